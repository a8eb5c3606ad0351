"""Demo accounts (contract.md) and a few more named staff. Password: ``settings.DEMO_PASSWORD``."""

from __future__ import annotations

from yichuang.demo.data.spec import Account

HALL = "411502-ZWZX"
COUNTY = "411502000000"

# fmt: off
ACCOUNTS: tuple[Account, ...] = (
    Account("admin", "admin", "周", "明远", superuser=True, phone="13903760001", note="平台管理员"),
    Account("hall1", "window_clerk", "李", "思雨", point=HALL, region=COUNTY, window="1", phone="13903760011", note="区政务服务中心综合受理窗口"),
    Account("town1", "window_clerk", "陈", "静", point="411502100-BMZX", region="411502100000", window="1", phone="13903760021",
        note="东双河镇便民服务中心综合受理窗口"),
    Account("town1_review", "reviewer", "刘", "建华", point="411502100-BMZX", region="411502100000", department="411502100-SPZX", phone="13903760022",
        note="东双河镇行政审批服务中心后台审批"),
    Account("town2", "window_clerk", "张", "丽", point="411502101-BMZX", region="411502101000", window="1", phone="13903760031",
        note="董家河镇便民服务中心综合受理窗口"),
    Account("county_review", "reviewer", "赵", "国强", point=HALL, region=COUNTY, department="411502-ZRJ", phone="13903760041",
        note="区自然资源局（不动产登记中心）审核"),
    Account("agent1", "village_agent", "王", "秀英", point="411502100201-BMZ", region="411502100201", phone="13903760051",
        note="东双河镇大庙畈村代办员"),
    Account("agent2", "village_agent", "吴", "德华", point="411502101201-BMZ", region="411502101201", phone="13903760052",
        note="董家河镇睡仙桥村代办员"),
    Account("bank1", "bank_clerk", "孙", "晓燕", point="411502100-YH01", phone="13903760061", note="邮储银行东双河镇营业所政银合作窗口"),
    # —— more named staff ——
    Account("hall_manager", "center_manager", "黄", "志军", point=HALL, region=COUNTY, phone="13903760012", note="区政务服务中心负责人"),
    Account("county_supervisor", "supervisor", "郑", "卫东", region=COUNTY, department="411502-DSJ", phone="13903760013",
        note="区政务服务和大数据管理局督查"),
    Account("mzj_review", "reviewer", "杨", "桂兰", point=HALL, region=COUNTY, department="411502-MZJ", phone="13903760042",
        note="区民政局社会救助审核"),
    Account("cl_review", "reviewer", "何", "春梅", point=HALL, region=COUNTY, department="411502-CL", phone="13903760043", note="区残联审核"),
    Account("town1_clerk2", "window_clerk", "胡", "晓红", point="411502100-BMZX", region="411502100000", window="2", phone="13903760023",
        note="东双河镇便民服务中心综合受理窗口"),
    Account("hotline1", "supervisor", "田", "雨晴", region=COUNTY, phone="13903760014", note="区12345政务服务便民热线坐席（登记、派单、办结、回访）"),
    Account("town2_review", "reviewer", "罗", "振华", point="411502101-BMZX", region="411502101000", department="411502101-SPZX", phone="13903760032",
        note="董家河镇行政审批服务中心后台审批"),
)
# fmt: on

# A center manager (中心负责人) per town: (town code, username, surname, given name).
TOWN_MANAGERS: tuple[tuple[str, str, str, str], ...] = (
    ("100", "mgr_dongshuanghe", "彭", "晓东"),
    ("101", "mgr_dongjiahe", "许", "文斌"),
    ("102", "mgr_wujiadian", "方", "红梅"),
    ("103", "mgr_shihegang", "余", "志刚"),
    ("200", "mgr_tanjiahe", "熊", "丽娟"),
    ("201", "mgr_shisanliqiao", "程", "建军"),
    ("202", "mgr_youhe", "万", "玉兰"),
    ("001", "mgr_laocheng", "汪", "海燕"),
    ("002", "mgr_minquan", "冯", "立新"),
    ("003", "mgr_chezhan", "曹", "丽"),
    ("004", "mgr_wulidun", "邓", "永强"),
    ("005", "mgr_hudong", "蔡", "敏"),
)

# The usernames contract.md names; the accounts table lists these first.
CONTRACT_USERNAMES: tuple[str, ...] = (
    "admin",
    "hall1",
    "town1",
    "town1_review",
    "town2",
    "county_review",
    "agent1",
    "agent2",
    "bank1",
)
