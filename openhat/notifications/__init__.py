"""Change notifications (docs/events.md): event streams and webhooks over the change log."""
