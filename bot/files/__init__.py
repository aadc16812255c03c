"""Files people download: score sheets and reports (.xlsx, .docx) and progress charts."""
