"""Fixed vocabularies of the synthetic city: districts, bureaus, names, and per-domain texts.

Everything here is plain data. Per-domain tuples follow the order of ``codes.DOMAINS.codes`` so
a domain index picks its row directly; a test checks the lengths line up.
"""

from __future__ import annotations

import numpy as np

from credit_scoring.records import codes

# The six urban districts of Ningbo (GB/T 2260), their names, decision-number abbreviations and
# shares of the subjects; Yinzhou and Haishu are the largest.
DISTRICT_CODES = ("330203", "330205", "330206", "330211", "330212", "330213")
DISTRICT_NAMES = ("海曙区", "江北区", "北仑区", "镇海区", "鄞州区", "奉化区")
DISTRICT_SHORT = ("甬海", "甬江", "甬仑", "甬镇", "甬鄞", "甬奉")
DISTRICT_WEIGHTS = (0.20, 0.13, 0.17, 0.10, 0.28, 0.12)
ROADS = (
    "中山西路", "解放南路", "药行街", "望京路", "人民路", "大庆南路", "北环西路", "明州路",
    "新大路", "长江路", "车站路", "城河西路", "天童南路", "宁南北路", "钱湖路", "南山路",
    "鄞州大道", "环城北路", "江东北路", "百丈路",
)  # fmt: skip

# The bureau that supervises each domain; a department is a bureau of one district.
BUREAUS = ("综合行政执法局", "住房和城乡建设局", "交通运输局")
BUREAU_SHORT = ("综执", "住建", "交通")
DOMAIN_BUREAU = (0, 0, 1, 1, 0, 2, 2, 1, 0, 0, 0)

SUBJECT_TYPE_WEIGHTS = (0.28, 0.68, 0.02, 0.02)  # order of codes.SUBJECT_TYPES.codes
# P(primary domain | subject type): rows follow SUBJECT_TYPES, columns DOMAINS.
DOMAIN_WEIGHTS = (
    (0.15, 0.12, 0.16, 0.08, 0.10, 0.02, 0.07, 0.05, 0.08, 0.10, 0.07),
    (0.42, 0.33, 0.00, 0.02, 0.03, 0.00, 0.02, 0.00, 0.02, 0.04, 0.12),
    (0.10, 0.05, 0.00, 0.00, 0.05, 0.00, 0.10, 0.00, 0.20, 0.30, 0.20),
    (0.00, 0.05, 0.10, 0.00, 0.00, 0.00, 0.30, 0.10, 0.25, 0.20, 0.00),
)
INDUSTRY_CODES = (
    ("F5211", "F5219", "F5299"),
    ("H6210", "H6220", "H6241"),
    ("E4710", "E4790", "E4890"),
    ("G5431", "G5439"),
    ("L7259",),
    ("L7119",),
    ("G5449",),
    ("D4511", "D4430"),
    ("N7840",),
    ("N7820",),
    ("L7223",),
)
NAME_WORDS = (
    ("便利店", "百货商店", "五金店", "服装店", "水果店"),
    ("小吃店", "餐馆", "面馆", "餐饮店", "烧烤店"),
    ("建设工程", "建筑工程"),
    ("运输", "土石方工程"),
    ("广告", "广告传媒"),
    ("出行科技", "共享单车运营"),
    ("停车管理", "物业管理"),
    ("燃气", "能源"),
    ("园林绿化工程", "园艺"),
    ("环境卫生服务", "保洁服务"),
    ("农贸市场管理", "市场经营管理"),
)
TRADE_CHARS = (
    "华鑫隆盛兴旺达宏源泰德顺福祥瑞恒丰和佳美新金海宇聚诚信"
    "永昌安康明辉锦荣嘉益远腾越润通百万鼎龙凤星宝富"
)
# Name pattern pieces by subject type: prefix (before the trade name) and suffix.
NAME_SUFFIX = ("有限公司", "", "协会", "服务中心")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏"
    "苏吕丁任沈姚卢傅钟姜崔谭陆范汪金石戴贾韦夏邱方侯邹熊孟秦白江薛尹段雷黎史龙陶贺顾毛郝龚邵钱严"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉玲红飞鹏斌宇浩凯俊帆婷雪琳晨欣怡佳颖"
    "梅海波峰林鑫亮成龙兰萍燕志新春荣"
)
# Birth-place regions of legal representatives: mostly Ningbo, then Zhejiang, then elsewhere.
ID_REGIONS = (
    *DISTRICT_CODES,
    "330102", "330302", "330681", "330782", "340104", "360102", "410102", "510104",
    "430102", "350203",
)  # fmt: skip

VIOLATION_TYPES = (
    ("擅自占用城市道路摆摊经营", "店外经营、占道经营"),
    ("餐饮油烟未经处理直接排放", "露天烧烤污染环境"),
    ("施工工地扬尘防治措施不到位", "未按规定处置建筑垃圾"),
    ("渣土运输车辆沿途撒漏", "未经核准从事建筑垃圾运输"),
    ("擅自设置户外广告设施", "户外广告设施破损未及时维修"),
    ("互联网租赁自行车超量投放", "车辆违规停放未及时清理"),
    ("停车场未按规定设置标志标线", "擅自占用道路设置停车泊位"),
    ("未按规定进行燃气安全检查", "燃气设施保护范围内违规施工"),
    ("擅自砍伐城市树木", "擅自占用城市绿地"),
    ("未履行门前三包责任", "随意倾倒生活垃圾"),
    ("集贸市场环境卫生管理不到位", "市场周边占道经营"),
)
LEGAL_BASES = (
    ("《城市市容和环境卫生管理条例》", "《浙江省城市市容和环境卫生管理条例》"),
    ("《中华人民共和国大气污染防治法》", "《中华人民共和国大气污染防治法》"),
    ("《中华人民共和国大气污染防治法》", "《城市建筑垃圾管理规定》"),
    ("《城市建筑垃圾管理规定》", "《城市建筑垃圾管理规定》"),
    ("《浙江省城市市容和环境卫生管理条例》", "《城市市容和环境卫生管理条例》"),
    ("《城市道路管理条例》", "《城市道路管理条例》"),
    ("《城市道路管理条例》", "《城市道路管理条例》"),
    ("《城镇燃气管理条例》", "《城镇燃气管理条例》"),
    ("《城市绿化条例》", "《城市绿化条例》"),
    ("《城市市容和环境卫生管理条例》", "《城市生活垃圾管理办法》"),
    ("《城市市容和环境卫生管理条例》", "《城市道路管理条例》"),
)
COMPLAINT_CATEGORIES = (
    ("占道经营", "噪声扰民"),
    ("油烟扰民", "噪声扰民"),
    ("施工扬尘", "夜间施工噪声"),
    ("渣土撒漏", "车辆带泥上路"),
    ("违规广告", "广告牌安全隐患"),
    ("车辆乱停放", "车辆堵塞通道"),
    ("停车秩序", "乱收费"),
    ("燃气安全", "燃气异味"),
    ("毁绿占绿", "树木倒伏"),
    ("环境卫生", "垃圾乱堆"),
    ("市场秩序", "环境卫生"),
)
# Licence certificate, national category (XK_XKLB) and validity in years, per domain; and the
# probability that a subject of the domain holds a licence at all.
LICENCE_NAMES = (
    "临时占用城市道路许可",
    "城镇污水排入排水管网许可证",
    "建筑垃圾处置核准",
    "建筑垃圾运输核准",
    "户外广告设施设置许可",
    "占用城市道路设置停放点许可",
    "经营性停车场备案",
    "燃气经营许可证",
    "临时占用城市绿地许可",
    "城市生活垃圾经营性清扫、收集、运输服务许可",
    "临时占用城市道路许可",
)
LICENCE_CATEGORIES = (
    "普通",
    "普通",
    "核准",
    "核准",
    "普通",
    "普通",
    "登记",
    "特许",
    "普通",
    "普通",
    "普通",
)
LICENCE_YEARS = (2, 3, 2, 1, 3, 2, 3, 3, 2, 3, 3)
LICENCE_HOLDING = (0.30, 0.60, 0.90, 0.90, 0.80, 0.90, 0.60, 0.95, 0.40, 0.70, 0.70)

N_DOMAINS = len(codes.DOMAINS.codes)
PER_DOMAIN_TABLES = (
    DOMAIN_BUREAU,
    INDUSTRY_CODES,
    NAME_WORDS,
    VIOLATION_TYPES,
    LEGAL_BASES,
    COMPLAINT_CATEGORIES,
    LICENCE_NAMES,
    LICENCE_CATEGORIES,
    LICENCE_YEARS,
    LICENCE_HOLDING,
    *DOMAIN_WEIGHTS,
)
VIOLATION_TYPES_PER_DOMAIN = 2


def department_names() -> list[str]:
    """Department ``d = district * len(BUREAUS) + bureau``: e.g. 宁波市海曙区综合行政执法局."""
    return [f"宁波市{district}{bureau}" for district in DISTRICT_NAMES for bureau in BUREAUS]


def department_short() -> list[str]:
    """Decision-number abbreviations of the departments, e.g. 甬海综执."""
    return [f"{district}{bureau}" for district in DISTRICT_SHORT for bureau in BUREAU_SHORT]


def flatten(per_domain: tuple[tuple[str, ...], ...]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """A per-domain table as one flat list with each domain's offset and length."""
    lengths = np.array([len(row) for row in per_domain])
    offsets = np.cumsum(lengths) - lengths
    return [text for row in per_domain for text in row], offsets, lengths


def pick_per_domain(
    rng: np.random.Generator, per_domain: tuple[tuple[str, ...], ...], domain: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """A uniformly chosen entry of each row's domain: the flat list and an index into it."""
    flat, offsets, lengths = flatten(per_domain)
    within = np.floor(rng.random(len(domain)) * lengths[domain]).astype(np.int64)
    return flat, offsets[domain] + within
