"""Request and response models shared by the API and the worker (light imports only)."""
