from bot.cli import main

if __name__ == "__main__":  # not again in a process spawned to draw charts
    main()
