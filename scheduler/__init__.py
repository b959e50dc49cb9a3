"""Timed jobs that write outbox rows; they never talk to a platform."""
