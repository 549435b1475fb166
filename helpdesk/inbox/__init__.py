"""The agent's inbox: the list of mentions, a mention's page, claims, replies and dismissals."""
