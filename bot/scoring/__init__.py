"""Self-scoring: membership and invites, access, the per-criterion conversation, review, submit, views."""
