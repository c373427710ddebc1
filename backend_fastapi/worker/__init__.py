"""The worker process: claims jobs from the database and runs their handlers."""
