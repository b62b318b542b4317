"""Test helpers shared by every app: parties, users per role, signed-in clients."""
