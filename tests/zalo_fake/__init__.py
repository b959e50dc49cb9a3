"""A loopback fake of the Zalo Bot API, following its documented payloads and rules.

    async with ZaloFake() as zalo:
        head = zalo.user("u-head", "Hoàng Văn Thào")
        message_id = head.says("xin chào")
        await zalo.wait_until(lambda: zalo.sent_to(head.chat_id))

The bot is pointed at ``zalo.base_url`` (its client appends /bot<token>/<method>).
"""

from tests.zalo_fake.fake import FakeUser, ZaloFake
from tests.zalo_fake.state import Sent, WebhookDelivery

__all__ = ["FakeUser", "Sent", "WebhookDelivery", "ZaloFake"]
