"""County departments (区直部门). Codes are ``411502-<key>``; items name their department by key.

Each town also has an approval service center (乡镇行政审批服务中心, seed 000: "八办一中心一队一站"
的审批服务权限归并交由其集中行使); those are made from ``places.TOWNS``.
"""

from __future__ import annotations

from yichuang.demo.data.spec import Department

DEPARTMENTS: tuple[Department, ...] = (
    Department("SPJ", "浉河区行政审批服务局", "区行政审批服务局", "0376-6288010", "approval_bureau"),
    Department("DSJ", "浉河区政务服务和大数据管理局", "区政务服务和大数据局", "0376-6288011"),
    Department("MZJ", "浉河区民政局", "区民政局", "0376-6288021"),
    Department("RSJ", "浉河区人力资源和社会保障局", "区人社局", "0376-6288022"),
    Department("YBJ", "浉河区医疗保障局", "区医保局", "0376-6288023"),
    Department("WJW", "浉河区卫生健康委员会", "区卫健委", "0376-6288024"),
    Department("NYJ", "浉河区农业农村局", "区农业农村局", "0376-6288025"),
    Department("LYJ", "浉河区林业局", "区林业局", "0376-6288026"),
    Department("ZRJ", "浉河区自然资源局（不动产登记中心）", "区不动产登记中心", "0376-6288027"),
    Department("SJJ", "浉河区市场监督管理局", "区市场监管局", "0376-6288028"),
    Department("CL", "浉河区残疾人联合会", "区残联", "0376-6288029"),
    Department("GAJ", "信阳市公安局浉河分局", "公安浉河分局", "0376-6288030"),
    Department("ZJJ", "浉河区住房和城乡建设局", "区住建局", "0376-6288031"),
    Department("TYJ", "浉河区退役军人事务局", "区退役军人事务局", "0376-6288032"),
    Department("SWJ", "国家税务总局信阳市浉河区税务局", "区税务局", "0376-6288033"),
    Department("SFJ", "浉河区司法局", "区司法局", "0376-6288034"),
    Department("YJJ", "浉河区应急管理局", "区应急管理局", "0376-6288035"),
    Department("JYJ", "浉河区教育体育局", "区教体局", "0376-6288036"),
)


def department_code(key: str) -> str:
    return f"411502-{key}"
