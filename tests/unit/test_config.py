import pytest

from peerbot.config import ConfigError, Settings

VALID = {"SLACK_BOT_TOKEN": "xoxb-123", "SLACK_SIGNING_SECRET": "secret"}


def settings(**overrides):
    return Settings.from_env({**VALID, **overrides})


def test_defaults_follow_the_design():
    s = settings()
    assert s.api_url == "https://slack.com/api/"
    assert s.database_url == "sqlite:///peerbot.db"
    assert (s.port, s.timezone, s.scheduler_on, s.app_token, s.public_url) == (3000, "UTC", True, None, None)


def test_api_url_gets_its_trailing_slash():
    assert settings(SLACK_API_URL="http://127.0.0.1:9000/api").api_url == "http://127.0.0.1:9000/api/"


@pytest.mark.parametrize(
    "overrides, variable",
    [
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": "  "}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xoxb-not-an-app-token"}, "SLACK_APP_TOKEN"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://db/peerbot"}, "DATABASE_URL"),
        ({"PORT": "70000"}, "PORT"),
        ({"PORT": "http"}, "PORT"),
        ({"PEERBOT_TIMEZONE": "Mars/Olympus"}, "PEERBOT_TIMEZONE"),
        ({"PEERBOT_SCHEDULER": "maybe"}, "PEERBOT_SCHEDULER"),
        ({"PEERBOT_PUBLIC_URL": "peerbot.example.com"}, "PEERBOT_PUBLIC_URL"),
    ],
)
def test_bad_values_name_the_variable(overrides, variable):
    with pytest.raises(ConfigError) as error:
        settings(**overrides)
    assert str(error.value).startswith(variable)


def test_socket_mode_needs_no_signing_secret():
    s = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, http=False)
    assert s.signing_secret is None and s.app_token == "xapp-1"
