"""Operating the bot: health and metrics, operator settings, backups, the doctor."""
