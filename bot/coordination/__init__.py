"""The city office's side: calendar, broadcasts, reminders, rectification, review, progress, digest."""
