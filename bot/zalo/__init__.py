"""The Zalo Bot API transport: polling or webhook in, the sender's client out."""
