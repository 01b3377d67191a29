"""The rules of peer learning. No Slack imports; functions take a Session and `now`, may flush, never commit."""
