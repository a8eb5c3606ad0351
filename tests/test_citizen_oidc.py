"""通过省统一身份认证登录: the phone pages sign a citizen in through the province's OpenID Connect
provider (a small one on the loopback, tests/oidc_provider.py): the code flow with PKCE, state and
nonce; the ID token's verified name and ID number bind the citizen; a wrong state, a wrong nonce, an
expired or forged token, or another person than the one already bound, bind nobody and say why in
Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider
from tests.test_citizen_pages import signed_in
from tests.test_citizens import ID_NUMBER, PHONE
from yichuang.citizens.models import Citizen

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings: Any) -> Iterator[Provider]:
    for running in running_provider():
        settings.CITIZEN_OIDC_ISSUER = running.issuer
        settings.CITIZEN_OIDC_CLIENT_ID = CLIENT_ID
        settings.CITIZEN_OIDC_CLIENT_SECRET = CLIENT_SECRET
        yield running


def start(client: Client, provider: Provider, then: str = "/me/cases/") -> str:
    """The citizen taps 通过省统一身份认证登录 and signs in at the provider: the callback URL it sends back."""
    answer = client.get("/me/oidc/start/", {"next": then})
    assert answer.status_code == 302, answer.content.decode()[:500]
    return provider.authorize(str(answer["Location"]))


def come_back(client: Client, callback: str) -> Any:
    parts = urlparse(callback)
    return client.get(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()})


def test_the_sign_in_page_offers_the_provinces_identity_only_when_it_is_configured(
    provider: Provider, settings: Any
) -> None:
    page = Client().get("/me/login/").content.decode()
    assert "通过省统一身份认证登录" in page
    settings.CITIZEN_OIDC_ISSUER = ""
    assert "通过省统一身份认证登录" not in Client().get("/me/login/").content.decode()
    assert Client().get("/me/oidc/start/").status_code == 404


def test_a_new_citizen_signs_in_through_the_province_and_is_bound_to_the_verified_name_and_number(
    provider: Provider,
) -> None:
    client = Client()
    callback = start(client, provider, then="/me/licences/")
    done = come_back(client, callback)
    assert done.status_code == 302 and done["Location"] == "/me/licences/"
    person = Citizen.objects.get(phone="13900001111")
    assert (person.name, person.id_number, person.identity_backend) == (
        "王小明",
        "11010519491231002X",
        "oidc",
    )
    assert person.verified
    # the code went back with the secret and the PKCE verifier
    sent = provider.token_requests[0]
    assert sent["grant_type"] == "authorization_code" and len(sent["code_verifier"]) >= 43
    page = client.get("/me/identity/").content.decode()
    assert "已完成实名认证" in page and "11010519491231002X" not in page
    # the next time, the account bound to that ID number signs in, whatever phone the token carries
    provider.user["phone_number"] = "13900002222"
    again = Client()
    assert come_back(again, start(again, provider)).status_code == 302
    assert Citizen.objects.count() == 1
    assert again.get("/me/cases/").status_code == 200


def test_a_citizen_signed_in_by_sms_binds_his_identity_through_the_province(provider: Provider) -> None:
    client = signed_in(PHONE)
    page = client.get("/me/identity/").content.decode()
    assert "通过省统一身份认证登录" in page
    assert come_back(client, start(client, provider)).status_code == 302
    person = Citizen.objects.get(phone=PHONE)
    assert person.id_number == "11010519491231002X" and person.identity_backend == "oidc"


def test_a_callback_with_another_state_binds_nobody(provider: Provider) -> None:
    client = Client()
    callback = start(client, provider)
    forged = callback.replace("state=", "state=x")
    answer = come_back(client, forged)
    assert answer.status_code == 400
    assert "登录请求已失效或不是从本站发起的" in answer.content.decode()
    assert not Citizen.objects.exists()
    # a callback from another browser (no state in its session) is refused alike
    assert come_back(Client(), callback).status_code == 400
    assert not Citizen.objects.exists()


@pytest.mark.parametrize("mode", ["wrong_nonce", "expired", "forged"])
def test_an_id_token_with_another_nonce_expired_or_not_signed_by_the_province_binds_nobody(
    provider: Provider, mode: str
) -> None:
    provider.mode = mode
    client = Client()
    answer = come_back(client, start(client, provider))
    assert answer.status_code == 400
    assert "省统一身份认证未通过，请重新登录。" in answer.content.decode()
    assert not Citizen.objects.exists()
    assert client.get("/me/cases/").status_code == 302  # not signed in


def test_another_person_than_the_one_already_bound_is_refused_and_changes_nothing(provider: Provider) -> None:
    client = signed_in(PHONE)
    assert client.post("/me/identity/", {"name": "李金文", "id_number": ID_NUMBER}).status_code == 302
    answer = come_back(client, start(client, provider))
    assert answer.status_code == 409
    assert "不能改为其他身份" in answer.content.decode()
    person = Citizen.objects.get(phone=PHONE)
    assert (person.name, person.id_number, person.identity_backend) == ("李金文", ID_NUMBER, "check_digit")


def test_the_same_number_under_another_name_is_refused_too(provider: Provider) -> None:
    client = Client()
    assert come_back(client, start(client, provider)).status_code == 302
    provider.user["name"] = "王晓明"
    other = Client()
    answer = come_back(other, start(other, provider))
    assert answer.status_code == 400 and "不能改为其他身份" in answer.content.decode()
    assert Citizen.objects.get().name == "王小明"


def test_without_a_phone_claim_a_new_citizen_is_asked_to_sign_in_by_sms_first(provider: Provider) -> None:
    del provider.user["phone_number"]
    client = Client()
    answer = come_back(client, start(client, provider))
    assert answer.status_code == 400 and "请先用手机验证码登录" in answer.content.decode()
    assert not Citizen.objects.exists()


def test_a_province_out_of_reach_is_a_chinese_sentence_not_a_500(settings: Any) -> None:
    settings.CITIZEN_OIDC_ISSUER = "http://127.0.0.1:9"
    settings.CITIZEN_OIDC_CLIENT_ID = CLIENT_ID
    settings.CITIZEN_OIDC_CLIENT_SECRET = CLIENT_SECRET
    answer = Client().get("/me/oidc/start/")
    assert answer.status_code == 503 and "暂时无法访问" in answer.content.decode()


def test_with_the_province_as_the_identity_service_typed_numbers_bind_nothing(
    provider: Provider, settings: Any
) -> None:
    settings.CITIZEN_IDENTITY_BACKEND = "yichuang.citizens.oidc.OidcIdentityService"
    client = signed_in(PHONE)
    page = client.get("/me/identity/").content.decode()
    assert "通过省统一身份认证登录" in page and 'name="id_number"' not in page
    answer = client.post("/me/identity/", {"name": "李金文", "id_number": ID_NUMBER})
    assert answer.status_code == 422
    assert not Citizen.objects.get(phone=PHONE).verified


def test_an_account_that_typed_the_number_is_not_handed_to_the_province_verified_person(
    provider: Provider,
) -> None:
    # someone bound 王小明's number by typing it (the demo's check digit proves nothing)
    squatter = signed_in("13700002222")
    assert (
        squatter.post("/me/identity/", {"name": "王小明", "id_number": "11010519491231002X"}).status_code
        == 302
    )
    client = Client()
    assert come_back(client, start(client, provider)).status_code == 302
    # the province's person signs in to the account of his own verified phone, not the squatter's
    assert client.get("/me/cases/").status_code == 200
    assert Citizen.objects.get(phone="13900001111").identity_backend == "oidc"
    assert Citizen.objects.get(phone="13700002222").identity_backend == "check_digit"
