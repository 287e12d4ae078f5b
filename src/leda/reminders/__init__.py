"""The reminders blog's own test, replayed on an offline deployment."""
