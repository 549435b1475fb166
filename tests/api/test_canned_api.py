"""The JSON API for canned replies: any employee reads the active ones, by language."""

from __future__ import annotations

from helpdesk.services.canned import create_canned, set_canned_active


def test_any_employee_lists_active_canned_replies_by_language(api_as, client, make_employee):
    """GET /canned-replies returns id, title, body, language; ?language= filters; bad is 400."""
    supervisor = make_employee("0002", role="supervisor")
    thanks = create_canned("Thanks", "Thank you!", "en", actor=supervisor)
    orei = create_canned("お礼", "ありがとうございます", "ja", actor=supervisor)
    retired = create_canned("Old", "Old text", "en", actor=supervisor)
    set_canned_active(retired.id, False, actor=supervisor)
    trainee = api_as("0201", role="trainee")
    everything = trainee.get("/canned-replies")
    assert everything.status_code == 200
    assert everything.get_json()["items"] == [
        {"id": thanks.id, "title": "Thanks", "body": "Thank you!", "language": "en"},
        {"id": orei.id, "title": "お礼", "body": "ありがとうございます", "language": "ja"},
    ]
    japanese = trainee.get("/canned-replies", language="ja").get_json()["items"]
    assert [item["id"] for item in japanese] == [orei.id]
    bad = trainee.get("/canned-replies", language="fr")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_language"
    assert client.get("/api/v1/canned-replies").status_code == 401
