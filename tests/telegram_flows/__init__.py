"""One scenario suite for the Telegram transport, run against either fake Telegram server.

`fake.FakeTelegram` is what a scenario needs from a server (a person's actions, the bot's
messages); `world.running_bot` composes the real process (bot/app.serve with the Telegram
transport and the sender) on a test database; `scenarios` holds the conversations.
"""
