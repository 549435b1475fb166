"""API errors speak Accept-Language: the code stays, the message is the catalogue's sentence."""

from __future__ import annotations

import pytest

from helpdesk.services.ingest import ingest_mentions

JA = {"Accept-Language": "ja"}


def _error(response) -> dict:
    return response.get_json()["error"]


def test_a_service_refusal_is_japanese_when_asked_and_english_otherwise(client, api_as, x):
    """A claim someone else holds: 409 already_claimed, naming the holder, in ja or in en."""
    holder, other = api_as("0427"), api_as("0428")
    x.mention("充電器が壊れました")
    ingest_mentions()
    mention_id = holder.get("/mentions").get_json()["items"][0]["id"]
    assert holder.post(f"/mentions/{mention_id}/claim").status_code == 200
    path = f"/api/v1/mentions/{mention_id}/claim"
    auth = {"Authorization": f"Bearer {other.token}"}
    english = client.post(path, json={}, headers=auth)
    japanese = client.post(path, json={}, headers={**auth, **JA})
    assert english.status_code == japanese.status_code == 409
    assert _error(english)["code"] == _error(japanese)["code"] == "already_claimed"
    assert _error(english)["message"] == "Employee 0427 is working on this mention."
    assert _error(japanese)["message"] == "社員 0427 が対応中です。"
    assert _error(japanese)["claimed_by"] == "0427"


def test_an_edge_refusal_is_japanese_when_asked(client):
    """No token (the API's own check) and an unknown route (Werkzeug's 404) both answer in ja."""
    no_token = client.get("/api/v1/mentions", headers=JA)
    assert no_token.status_code == 401 and _error(no_token)["code"] == "unauthorized"
    assert (
        _error(no_token)["message"] == "先にログインするか、有効な API トークンを送ってください。"
    )
    missing = client.get("/api/v1/no-such-thing", headers=JA)
    assert missing.status_code == 404 and _error(missing)["code"] == "not_found"
    assert _error(missing)["message"] == "該当するデータはありません。"


@pytest.mark.parametrize("header", [None, "en-US,en;q=0.9", "fr"])
def test_without_japanese_the_message_stays_the_services_english(client, api_as, header):
    """No header, English or a language we lack: the English message as before."""
    api = api_as("0427")
    headers = {"Authorization": f"Bearer {api.token}"}
    if header:
        headers["Accept-Language"] = header
    response = client.get("/api/v1/mentions", query_string={"limit": "0"}, headers=headers)
    assert response.status_code == 400 and _error(response)["code"] == "invalid_limit"
    assert _error(response)["message"].startswith("limit must be between 1 and")


def test_an_invalid_rule_number_is_explained_as_a_rule_number_in_japanese(client, api_as):
    """Two services share invalid_number; the rules' one reads as a number in a range."""
    api = api_as("0002", role="supervisor")
    response = client.post(
        "/api/v1/rules/test",
        json={"text": "hello", "followers_count": "lots"},
        headers={"Authorization": f"Bearer {api.token}", **JA},
    )
    assert response.status_code == 400 and _error(response)["code"] == "invalid_number"
    assert _error(response)["message"] == "表示された範囲の整数を入力してください。"
