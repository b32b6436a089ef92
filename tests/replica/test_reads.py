"""Reads against a real streaming replica: public pages and API reads come from it, with its
lag; the feed, checks and the admin never do.

With replay paused on the replica, a write on the primary is missing from what the replica
serves: that is how these tests tell which server answered.
"""

import json

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.test import Client, RequestFactory
from django.urls import resolve

from blacklist.models import Authority, ChangeCounter, Entry, QueryLog
from portal.dbrouting import ReplicaReadsMiddleware
from tests.api.conftest import Platform
from tests.factories.people import entry_of, person, publish
from tests.replica.conftest import Replica, replica_db

NEW_NAME = "武汉市公安局（新名）"


def listed_ids(platform: Platform) -> set[str]:
    response = platform.get("/api/v1/entries/", {"page_size": 1000})
    assert response.status_code == 200, response.content
    return {entry["public_id"] for entry in response.json()["results"]}


def found_by_search(visitor: Client, name: str) -> bool:
    response = visitor.get("/search/", {"q": name})
    assert response.status_code == 200
    return "/entries/" in response.content.decode()


@replica_db
def test_a_write_is_on_the_primary_at_once_and_on_the_replica_after_replay(replica: Replica):
    zhang = person("张三丰")
    publish([zhang])
    public_id = entry_of(zhang).public_id
    assert Entry.objects.using("default").filter(public_id=public_id).exists()

    replica.wait_for_replay()
    assert Entry.objects.using(replica.alias).filter(public_id=public_id).exists()
    assert Client().get(f"/entries/{public_id}/").status_code == 200


@replica_db
def test_public_and_api_reads_lag_behind_while_the_feed_never_does(replica: Replica, make_platform):
    bank = make_platform("lookup,feed")
    visitor = Client()
    earlier = person("李四海")
    publish([earlier])
    earlier_id = entry_of(earlier).public_id
    replica.wait_for_replay()
    seen = bank.get("/api/v1/changes/").json()["last_seq"]

    replica.pause()
    try:
        assert replica.is_paused()
        later = person("王五岳")
        later_notice = publish([later])
        later_id = entry_of(later).public_id

        # Served by the replica, which has not replayed the publication yet.
        assert visitor.get(f"/entries/{later_id}/").status_code == 404
        assert visitor.get(f"/entries/{earlier_id}/").status_code == 200
        assert not found_by_search(visitor, later.name)
        assert found_by_search(visitor, earlier.name)
        assert listed_ids(bank) == {earlier_id}
        notices = bank.get("/api/v1/notices/").json()["results"]
        assert later_notice.pk not in {notice["id"] for notice in notices}

        # The feed reads the primary: the new event and `last_seq` at once.
        page = bank.get("/api/v1/changes/", {"after": seen}).json()
        assert [(e["kind"], e["entry"]["public_id"]) for e in page["events"]] == [
            ("listed", later_id)
        ]
        assert page["last_seq"] == seen + 1 == ChangeCounter.objects.get().value
        # and so does the entry an event names, fetched right after it
        assert bank.get(f"/api/v1/entries/{later_id}/").json()["public_id"] == later_id
    finally:
        replica.resume()

    replica.wait_for_replay()
    assert visitor.get(f"/entries/{later_id}/").status_code == 200
    assert found_by_search(visitor, later.name)
    assert listed_ids(bank) == {earlier_id, later_id}


@replica_db
def test_checks_and_the_admin_read_and_write_the_primary_while_replay_is_paused(
    replica: Replica, make_platform
):
    bank = make_platform("lookup")
    notice = publish([person("赵六合")])
    authority = Authority.objects.get(pk=notice.authority_id)
    official = Client()
    official.force_login(get_user_model().objects.create_superuser("chief", password="unused-pw"))
    replica.wait_for_replay()

    replica.pause()
    try:
        assert replica.is_paused()
        later = person("孙七星")
        publish([later])
        logged = QueryLog.objects.count()

        # A check is a POST: it reads the primary (the new entry is there) and writes its
        # quota and its audit row there.
        check = bank.check([{"ref": "c1", "id_number": later.id_number, "name": later.name}])
        assert check.status_code == 200, check.content
        assert check.json()["results"][0]["listed"] is True
        assert QueryLog.objects.count() == logged + 1

        # The admin reads the primary: the entry the replica lacks has its page.
        entry = entry_of(later)
        assert official.get(f"/admin/blacklist/entry/{entry.pk}/change/").status_code == 200
        # and writes there: a standby would refuse the write.
        renamed = official.post(
            f"/admin/blacklist/authority/{authority.pk}/change/",
            {
                "code": authority.code,
                "name": NEW_NAME,
                "partner": authority.partner,
                "region_code": authority.region_code,
            },
        )
        assert renamed.status_code == 302, renamed.content
        assert Authority.objects.using("default").get(pk=authority.pk).name == NEW_NAME
        on_replica = Authority.objects.using(replica.alias).get(pk=authority.pk)
        assert on_replica.name == authority.name
        public = Client().get(f"/notices/{notice.pk}/").content.decode()
        assert authority.name in public
        assert NEW_NAME not in public
    finally:
        replica.resume()

    replica.wait_for_replay()
    assert NEW_NAME in Client().get(f"/notices/{notice.pk}/").content.decode()


@replica_db
def test_a_read_inside_a_transaction_goes_to_the_primary(replica: Replica):
    replica.pause()
    try:
        assert replica.is_paused()
        later = person("周八方")
        publish([later])
        later_id = entry_of(later).public_id

        def view(request: HttpRequest) -> JsonResponse:
            outside = Entry.objects.filter(public_id=later_id).exists()
            with transaction.atomic():
                inside = Entry.objects.filter(public_id=later_id).exists()
            return JsonResponse({"outside": outside, "inside": inside})

        def handler(request: HttpRequest) -> JsonResponse:
            middleware.process_view(request, view, (), {})
            return view(request)

        middleware = ReplicaReadsMiddleware(handler)
        request = RequestFactory().get(f"/entries/{later_id}/")
        request.resolver_match = resolve(request.path_info)
        answer = json.loads(middleware(request).content)
    finally:
        replica.resume()
    assert answer == {"outside": False, "inside": True}
