"""The X boundary: tweepy adapter, text counting and the local X sandbox."""
