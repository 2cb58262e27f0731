"""Label print jobs on both databases: progress, the PDF, privacy, cancel, scans meanwhile."""

from __future__ import annotations

import asyncio
import re
import time

import pymupdf

from inventory.db.tables import Item, Site
from inventory.domain.tags import encode
from inventory.services.common import utcnow
from tests.factories import make_item, make_user, sign_in, staff_client

JOBS = "/api/v1/labels/jobs"


async def bulk_items(count: int, batch: str = "DON-2026-05") -> list[str]:
    """count laptops of one intake batch, inserted in bulk (the services would take minutes)."""
    site = (await Site.select(Site.id).where(Site.code == "AUB").first())["id"]
    now, tags = utcnow(), [encode("ESN", 100_000 + n) for n in range(count)]
    for start in range(0, count, 200):
        await Item.insert(*(
            Item(tag=tag, family="device", kind="laptop", state="received", site=site,
                 brand="Dell", model="Latitude 5490", intake_batch=batch, created_at=now,
                 updated_at=now)
            for tag in tags[start:start + 200]))
    return tags


async def follow(client, status_url: str, timeout: float = 60.0) -> list[dict]:
    """Poll a job until it ends; every status seen, in order."""
    seen, deadline = [], time.monotonic() + timeout
    while not seen or seen[-1]["status"] == "running":
        assert time.monotonic() < deadline, seen[-1]
        response = await client.get(status_url)
        assert response.status_code == 200, response.text
        seen.append(response.json())
        await asyncio.sleep(0.005)
    return seen


async def test_a_300_label_job_runs_then_gives_one_pdf_page_per_sheet_of_21(client):
    headers = await staff_client(client, "front_desk")
    await bulk_items(300)
    started = await client.post(JOBS, params={"intake_batch": "DON-2026-05"}, headers=headers)
    assert started.status_code == 202, started.text
    body = started.json()
    assert body["total"] == 300 and body["status_url"] == f"{JOBS}/{body['id']}"
    seen = await follow(client, body["status_url"])
    assert seen[0]["status"] == "running"
    done = [s["done"] for s in seen]
    assert done == sorted(done) and any(0 < d < 300 for d in done)
    assert seen[-1] == {"id": body["id"], "status": "done", "done": 300, "total": 300,
                        "percent": 100, "result_url": f"{JOBS}/{body['id']}/result.pdf",
                        "error": None}
    pdf = await client.get(seen[-1]["result_url"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    with pymupdf.open(stream=pdf.content, filetype="pdf") as document:
        assert document.page_count == 15  # 300 labels, 21 per A4 sheet


async def test_a_job_is_a_404_for_anyone_but_the_user_who_started_it(client):
    headers = await staff_client(client, "front_desk")
    tag = (await make_item())["tag"]
    started = (await client.post(JOBS, params={"tags": tag}, headers=headers)).json()
    await follow(client, started["status_url"])
    await make_user("technician", site_code="AUB")
    headers = await sign_in(client, "technician")
    for response in (await client.get(started["status_url"]),
                     await client.get(f"{started['status_url']}/result.pdf"),
                     await client.delete(started["status_url"], headers=headers)):
        assert response.status_code == 404
        assert "Aucune tâche d'impression" in response.json()["detail"]


async def test_scans_answer_while_a_5000_label_job_renders(client, app):
    headers = await staff_client(client, "front_desk")
    tags = await bulk_items(5000)
    started = (await client.post(JOBS, params={"intake_batch": "DON-2026-05"},
                                 headers=headers)).json()
    assert started["total"] == 5000
    job = app.state.label_jobs.jobs[started["id"]]
    began = time.monotonic()
    scan = await client.get("/api/v1/scan", params={"code": tags[4321].lower()})
    answered = time.monotonic() - began
    assert scan.status_code == 200 and scan.json()["tag"] == tags[4321]
    assert job.status == "running" and job.done < 5000, "the scan waited for the job"
    assert answered < 2.0
    early = await client.get(f"{started['status_url']}/result.pdf")
    assert early.status_code == 409
    assert "pas encore prêtes" in early.json()["detail"]
    await job.task
    assert job.status == "done"


async def test_cancelling_a_running_job_stops_it_and_forgets_it(client, app):
    headers = await staff_client(client, "front_desk")
    await bulk_items(1000)
    started = (await client.post(JOBS, params={"intake_batch": "DON-2026-05"},
                                 headers=headers)).json()
    job = app.state.label_jobs.jobs[started["id"]]
    cancelled = await client.delete(started["status_url"], headers=headers)
    assert cancelled.status_code == 204
    await job.task
    assert job.status == "failed" and job.result is None and job.done < 1000
    assert (await client.get(started["status_url"])).status_code == 404


async def test_a_bad_position_or_an_unknown_tag_is_refused_before_any_job_starts(client, app):
    headers = await staff_client(client, "front_desk")
    tag = (await make_item())["tag"]
    position = await client.post(JOBS, params={"tags": tag, "start_at": 22}, headers=headers)
    assert position.status_code == 422
    assert "La position 22 n'existe pas" in position.json()["detail"]
    unknown = await client.post(JOBS, params={"tags": encode("ESN", 999)}, headers=headers)
    assert unknown.status_code == 404
    assert app.state.label_jobs.jobs == {}


async def test_the_labels_page_starts_a_job_and_polls_its_progress_until_the_download(client):
    await staff_client(client, "front_desk")
    await bulk_items(42)
    page = await client.get("/labels")
    assert page.status_code == 200
    assert 'href="/labels"' in page.text and "Imprimer des étiquettes" in page.text
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    posted = await client.post("/labels", data={"_csrf": csrf, "tags": "",
                                                "intake_batch": "DON-2026-05",
                                                "layout": "a4-2x7", "start_at": "3"})
    assert posted.status_code == 303
    job_id = posted.headers["location"].removeprefix("/labels?job=")
    shown = await client.get(posted.headers["location"])
    assert f'hx-get="/labels/jobs/{job_id}/progress"' in shown.text
    assert 'hx-trigger="every 500ms"' in shown.text and "<progress" in shown.text
    await follow(client, f"{JOBS}/{job_id}")
    fragment = await client.get(f"/labels/jobs/{job_id}/progress")
    assert "hx-trigger" not in fragment.text and 'value="42"' in fragment.text
    assert f'href="/api/v1/labels/jobs/{job_id}/result.pdf"' in fragment.text


async def test_the_labels_page_says_in_french_when_nothing_matches(client):
    await staff_client(client, "front_desk")
    csrf = re.search(r'name="_csrf" value="([^"]+)"',
                     (await client.get("/labels")).text).group(1)
    posted = await client.post("/labels", data={"_csrf": csrf, "intake_batch": "DON-1999-01",
                                                "layout": "a4-3x7", "start_at": "1"})
    assert posted.status_code == 404
    assert "Aucun article ne correspond à cette sélection." in posted.text


async def test_a_social_worker_has_no_labels_page_nor_link(client):
    await staff_client(client, "social_worker")
    assert (await client.get("/labels")).status_code == 403
    assert 'href="/labels"' not in (await client.get("/portal")).text
