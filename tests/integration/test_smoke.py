from tests.factories import make_item, staff_client


async def test_a_signed_in_volunteer_scans_a_label_and_gets_the_item(client):
    headers = await staff_client(client, "admin")
    item = await make_item(brand="Lenovo", model="T480")
    response = await client.get("/api/v1/scan", params={"code": f"  {item['tag'].lower()}  "})
    assert response.status_code == 200, response.text
    assert response.json()["tag"] == item["tag"]
    assert headers["x-csrf-token"]
