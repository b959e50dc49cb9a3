"""The edges: settings, command line, transports and senders."""
