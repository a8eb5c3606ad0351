"""The SMS texts the platform ships with, and the placeholders a template may use.

The data migration seeds ``SmsTemplate`` rows from ``DEFAULT_TEMPLATES``; the same texts are the
fallback when a row is missing or switched off, so a case action always has something to send.
Every text starts with the signature the SMS gateway has registered (短信签名).
"""

from __future__ import annotations

from typing import NamedTuple

SIGNATURE = "【一窗政务服务】"

# name → what the caller puts there. The cases app passes these keys in ``context``.
PLACEHOLDERS: dict[str, str] = {
    "number": "办件编号",
    "item": "事项名称",
    "point": "受理或领取地点（服务点名称）",
    "due_date": "承诺办结日期",
    "missing": "需补正的材料（列表以顿号连接）",
    "reason": "不予受理、不予许可或中止的理由",
    "decision": "决定文书名称或文号",
    "method": "送达方式（pickup/mail/kiosk 或中文）",
    "tracking_number": "邮件单号",
    "recipient": "签收人",
    "ticket": "排队号码，如 A023",
    "window": "窗口号",
    "reference": "预约号",
    "cancel_code": "预约取消码",
    "time": "预约日期和时段",
    "category": "业务类别",
    "code": "网上办理登录验证码（6位数字）",
    "minutes": "验证码有效分钟数",
}


class DefaultTemplate(NamedTuple):
    name: str
    body: str


DEFAULT_TEMPLATES: dict[str, DefaultTemplate] = {
    "citizen_login_code": DefaultTemplate(
        "网上办理登录验证码",
        SIGNATURE
        + "您的登录验证码为${code}，${minutes}分钟内有效。请勿告诉他人，工作人员不会向您索要验证码。",
    ),
    "case_submitted": DefaultTemplate(
        "申请已提交",
        SIGNATURE + "您申请的${item}已在${point}提交，办件编号${number}。"
        "工作人员审核材料后将短信通知您受理结果，请留意。",
    ),
    "case_accepted": DefaultTemplate(
        "已受理",
        SIGNATURE + "您申请的${item}已受理，办件编号${number}，承诺于${due_date}前办结。"
        "可凭办件编号和本手机号查询办理进度。",
    ),
    "case_needs_supplement": DefaultTemplate(
        "一次性告知补正材料",
        SIGNATURE + "您申请的${item}（办件编号${number}）材料需要补正，请一次性补齐：${missing}。"
        "补齐后请到${point}或通过原渠道提交，无需重新申请。",
    ),
    "case_supplement_received": DefaultTemplate(
        "补正材料已收到",
        SIGNATURE + "您申请的${item}（办件编号${number}）补正材料已收到，${point}将尽快预审，"
        "结果将短信通知您。",
    ),
    "case_refused": DefaultTemplate(
        "不予受理",
        SIGNATURE + "您申请的${item}（办件编号${number}）不予受理，理由：${reason}。如有疑问请咨询${point}。",
    ),
    "case_approved": DefaultTemplate(
        "审批通过",
        SIGNATURE + "您申请的${item}（办件编号${number}）已审批通过，办理结果将按您选择的方式送达。",
    ),
    "case_denied": DefaultTemplate(
        "不予许可",
        SIGNATURE + "您申请的${item}（办件编号${number}）经审查不予许可，理由：${reason}。"
        "如不服，可在收到决定之日起60日内申请行政复议，或者6个月内依法提起行政诉讼。",
    ),
    "case_delivered": DefaultTemplate(
        "结果已寄出",
        SIGNATURE + "您申请的${item}（办件编号${number}）办理结果已通过${method}送出，"
        "邮件单号${tracking_number}，请注意查收。",
    ),
    "case_ready_for_pickup": DefaultTemplate(
        "结果可领取",
        SIGNATURE + "您申请的${item}（办件编号${number}）办理结果已可领取，"
        "领取方式：${method}，地点：${point}。请携带本人有效身份证件。",
    ),
    "case_picked_up": DefaultTemplate(
        "结果已领取",
        SIGNATURE + "您申请的${item}（办件编号${number}）办理结果已在${point}领取，签收人：${recipient}。"
        "如非本人或委托人领取，请致电12345。",
    ),
    "case_delivered_home": DefaultTemplate(
        "送证上门",
        SIGNATURE + "您申请的${item}（办件编号${number}）办理结果已由村代办员送达，签收人：${recipient}。"
        "欢迎对本次服务作出评价。",
    ),
    "case_suspended": DefaultTemplate(
        "中止办理",
        SIGNATURE + "您申请的${item}（办件编号${number}）因${reason}中止办理，"
        "中止期间不计入办理时限，恢复办理时将短信通知您。",
    ),
    "case_resumed": DefaultTemplate(
        "恢复办理",
        SIGNATURE + "您申请的${item}（办件编号${number}）已恢复办理，承诺办结日期为${due_date}。",
    ),
    "case_revoked": DefaultTemplate(
        "撤销决定",
        SIGNATURE + "您申请的${item}（办件编号${number}）经事后核查，承诺内容与实际情况不符（${reason}），"
        "原决定已撤销，相关证照同时注销，撤销决定书可凭办件编号查询下载。"
        "如不服，可在收到决定之日起60日内申请行政复议，或者6个月内依法提起行政诉讼。",
    ),
    "deadline_soon": DefaultTemplate(
        "到期预警（工作人员）",
        SIGNATURE + "办件${number}（${item}）将于${due_date}到期，请抓紧办理。",
    ),
    "case_overdue": DefaultTemplate(
        "超期督办（工作人员）",
        SIGNATURE + "办件${number}（${item}，${point}受理）已超过承诺办结日期${due_date}，请督办。",
    ),
    "rating_invitation": DefaultTemplate(
        "邀请评价",
        SIGNATURE + "您申请的${item}（办件编号${number}）已办结。欢迎对本次服务作出评价（好差评），"
        "凭办件编号和本手机号即可在办件查询页评价，感谢您的支持。",
    ),
    "appointment_booked": DefaultTemplate(
        "预约成功",
        SIGNATURE + "您已预约${time}到${point}办理${category}业务，预约号${reference}，取消码${cancel_code}。"
        "请在预约时段开始前30分钟内到大厅取号机或窗口凭预约号签到，优先办理；不能前来请提前取消。",
    ),
    "appointment_cancelled": DefaultTemplate(
        "预约已取消",
        SIGNATURE + "您${time}在${point}办理${category}业务的预约（预约号${reference}）已取消。",
    ),
    "queue_called": DefaultTemplate(
        "叫号提醒",
        SIGNATURE + "请${ticket}号到${point}${window}号窗口办理。如已过号，请到咨询台重新排队。",
    ),
}

# What ``method`` codes of the cases API read like in a message.
DELIVERY_METHODS: dict[str, str] = {
    "pickup": "窗口领取",
    "mail": "邮政寄递",
    "kiosk": "自助终端领取",
    "agent": "代办员送证上门",
}
