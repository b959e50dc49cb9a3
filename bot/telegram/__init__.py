"""Telegram: rendering, update conversion, durable ingest and the client the sender drives.

Framework-free modules (rendering, splitting, incoming, ingest, polling, webhook, client)
speak to Telegram through `api.TelegramApi`; `ptb_api` and `aiogram_api` implement it with
python-telegram-bot and aiogram, chosen by TUQUAN_TELEGRAM_RUNTIME.
"""
