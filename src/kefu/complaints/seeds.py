"""The rows every installation starts with (used by the data migration and
``services.seeds_ensure``). Plain values: migrations import them."""

from decimal import Decimal

# (code, name, industry); industry "" = offered everywhere
DEFAULT_CLASSES = (
    ("power-service", "服务类", "power"),
    ("power-business", "营业类", "power"),
    ("power-outage", "停电及复电", "power"),
    ("power-quality", "电能质量", "power"),
    ("power-grid", "电网建设", "power"),
    ("mfg-product", "产品质量", "manufacturing"),
    ("mfg-delivery", "交货及数量", "manufacturing"),
    ("mfg-packing", "包装及运输", "manufacturing"),
    ("property-service", "物业服务", "property"),
    ("property-repair", "维修质量", "property"),
    ("property-fee", "收费争议", "property"),
    ("heating-temperature", "室温不达标", "heating"),
    ("heating-fee", "供热收费", "heating"),
    ("attitude", "服务态度", ""),
    ("timeliness", "处理不及时", ""),
    ("other", "其他", ""),
)
# CMP-10: business department manager, deputy GM, GM; kefu has department heads and
# general managers as roles, so two levels by default (editable in the admin site).
DEFAULT_LIMITS = (
    ("department_head", "部门经理", Decimal(2000)),
    ("general_manager", "总经理", None),
)
# The sales-allowance certificate's approval chain (CMP-21): signed by the (deputy) manager
# and the (deputy) general manager, whatever the amount: (order, role, label, from, up to).
DEFAULT_ALLOWANCE_CHAIN = (
    (1, "department_head", "（副）经理", None, None),
    (2, "general_manager", "（副）总经理", None, None),
)
# The auth group of the confidential handlers who may read tip-off reporters' identities.
CONFIDENTIAL_GROUP = "举报保密处理人"
