"""Generate the relevance corpus: documents.json (240 documents of a city government
office) and queries.json (the queries with their expected documents).

    .venv/bin/python search/tests/corpus/generate.py

Deterministic (seeded). The expected documents of a query are those whose searchable text —
title, 文号, 来文机关, 主办单位, body, opinions (as "author：text") — contains every
whitespace-separated part of the query as typed: what an office worker expects when they
type it. The expectations are written out and committed, so a change of the generator shows
in the diff.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 2026
COUNT = 240

SENDERS = [
    ("示范市财政局", "示财"), ("示范市教育局", "示教"), ("示范市水利局", "示水"), ("示范市应急管理局", "示应急"),
    ("示范市交通运输局", "示交"), ("示范市商务局", "示商"), ("示范市公安局", "示公"), ("示范市卫生健康委员会", "示卫"),
    ("示范市自然资源和规划局", "示自然资源"), ("示范市农业农村局", "示农"), ("示范县人民政府", "示县政"),
]
OWN = ("示范市人民政府办公室", "示府办发")
UNITS = ["财务处", "办公室", "综合一处", "综合二处", "督查室", "秘书科", "法制科", "信息科"]
LEADERS = ["陈市长", "周副市长", "吴副市长"]
STAFF = ["赵主任", "郑处长", "冯处长", "卫主任"]

TOPICS = {
    "budget": {
        "titles": ["关于{year}年度部门财政预算编制工作的{kind}", "关于追加{place}专项资金预算的{kind}",
                   "关于做好{year}年财政预算执行情况分析的{kind}", "关于下达{place}转移支付资金的{kind}"],
        "sentences": ["根据市人大批准的财政预算，现将有关资金安排事项报告如下。",
                      "请各单位严格执行预算，不得擅自调整支出结构。",
                      "财务处于每月十日前汇总各科室经费支出情况并报办公室。",
                      "专项资金实行专款专用，年底结余资金按规定收回统筹使用。",
                      "预算编制要坚持量入为出、收支平衡的原则，压减一般性支出。",
                      "请财务处会同审计部门开展预算执行情况检查。"],
    },
    "traffic": {
        "titles": ["关于加强{place}道路交通安全管理的{kind}", "关于开展道路运输安全隐患排查整治的{kind}",
                   "关于{place}国省干线公路养护工程的{kind}", "关于做好春运期间道路安全工作的{kind}"],
        "sentences": ["为进一步做好道路运输安全工作，现将有关事项通知如下。",
                      "各县区要对重点路段、急弯陡坡和临水临崖路段开展隐患排查。",
                      "公路养护工程要保证质量，确保汛期前完工。",
                      "严厉打击超限超载、疲劳驾驶等交通违法行为。",
                      "交通运输部门要会同公安交警加强客运车辆动态监控。"],
    },
    "flood": {
        "titles": ["关于做好{year}年防汛抗旱工作的{kind}", "关于{place}防汛物资储备情况的{kind}",
                   "关于启动防汛四级应急响应的{kind}", "关于加强汛期水库安全度汛管理的{kind}"],
        "sentences": ["入汛以来，我市降雨偏多，防汛形势严峻。",
                      "各地要落实防汛责任制，储备足够的防汛物资。",
                      "水库、堤防要实行二十四小时值班巡查制度。",
                      "对山洪地质灾害易发区群众要提前组织转移避险。",
                      "防汛抗旱指挥部办公室要及时发布预警信息。"],
    },
    "supervision": {
        "titles": ["关于市政府重点工作督办事项落实情况的{kind}", "关于对{place}民生实事项目开展专项督查的{kind}",
                   "关于领导批示件办理情况的{kind}", "关于建立督办事项台账的{kind}"],
        "sentences": ["督查室要对领导批示事项逐件登记、跟踪督办。",
                      "对办理不力、进度滞后的事项予以通报。",
                      "各承办单位要在规定时限内报送办理进展情况。",
                      "督办事项实行销号管理，办结一件销号一件。",
                      "请办公室牵头，每月汇总重点工作推进情况。"],
    },
    "investment": {
        "titles": ["关于{place}招商引资项目签约情况的{kind}", "关于优化营商环境若干措施的{kind}",
                   "关于举办{year}年投资贸易洽谈会的{kind}", "关于支持外贸企业稳订单拓市场的{kind}"],
        "sentences": ["今年以来全市新签约招商引资项目二十六个，总投资一百二十亿元。",
                      "要持续优化营商环境，推行企业开办一网通办。",
                      "对重大招商项目实行领导包联、专班推进。",
                      "商务部门要加强对外贸企业的政策辅导。",
                      "项目落地所需用地指标由自然资源部门统筹保障。"],
    },
    "education": {
        "titles": ["关于{place}义务教育学校建设项目的{kind}", "关于加强中小学校园安全工作的{kind}",
                   "关于做好{year}年高考组织工作的{kind}", "关于落实教师工资待遇保障的{kind}"],
        "sentences": ["义务教育学校建设项目已完成年度投资计划的百分之八十。",
                      "各学校要落实校园安全主体责任，开展应急疏散演练。",
                      "高考期间考点周边实行交通管制和噪声管控。",
                      "确保义务教育教师平均工资收入不低于当地公务员平均工资收入。",
                      "教育部门要会同财政部门落实经费保障。"],
    },
    "health": {
        "titles": ["关于加强{place}基层医疗卫生服务能力建设的{kind}", "关于做好秋冬季传染病防控工作的{kind}",
                   "关于推进紧密型县域医共体建设的{kind}"],
        "sentences": ["卫生健康部门要加强发热门诊和预检分诊管理。",
                      "基层医疗卫生机构要配齐全科医生。",
                      "医共体建设要统一管理、统一财务、统一药品目录。"],
    },
    "safety": {
        "titles": ["关于开展安全生产大检查的{kind}", "关于{place}危险化学品企业隐患整改情况的{kind}",
                   "关于做好节假日期间安全生产工作的{kind}"],
        "sentences": ["各地要深刻吸取事故教训，全面排查安全生产风险隐患。",
                      "应急管理部门要组织对危险化学品企业开展专项检查。",
                      "节假日期间要严格执行领导带班和二十四小时值班制度。"],
    },
    "agriculture": {
        "titles": ["关于做好{year}年春耕生产工作的{kind}", "关于{place}高标准农田建设项目的{kind}",
                   "关于推进乡村振兴重点帮扶工作的{kind}"],
        "sentences": ["要稳定粮食播种面积，确保粮食安全。",
                      "高标准农田建设项目要严格招投标管理。",
                      "乡村振兴工作要巩固拓展脱贫攻坚成果。"],
    },
}
PLACES = ["东城区", "西山县", "南湖新区", "北港镇", "青石县", "城北片区", "高新区"]
KINDS_IN = ["请示", "报告", "函"]
KINDS_OUT = ["通知", "意见", "批复", "函"]
OPINIONS = [
    ("staff", "拟请{leader}阅示，请{unit}研究提出意见。"),
    ("leader", "同意。请{unit}抓紧办理，办理结果报我。"),
    ("leader", "请督查室跟踪督办，按期反馈。"),
    ("leader", "拟同意，请财政部门审核资金安排。"),
    ("staff", "已签收，拟办意见：送{unit}阅处。"),
    ("leader", "阅。请{unit}会同有关部门认真落实。"),
    ("leader", "请各分管领导阅，防汛工作不能有丝毫松懈。"),
]


def generate():
    rng = random.Random(SEED)
    docs = []
    seq = {}
    topics = list(TOPICS)
    for i in range(COUNT):
        topic = topics[i % len(topics)] if i < 180 else rng.choice(topics)
        spec = TOPICS[topic]
        outgoing = rng.random() < 0.35
        year = rng.choice([2024, 2025, 2026, 2026, 2026])
        kind = rng.choice(KINDS_OUT if outgoing else KINDS_IN)
        sender, code = OWN if outgoing else rng.choice(SENDERS)
        n = seq.setdefault((code, year), rng.randint(1, 4))
        seq[(code, year)] = n + rng.randint(1, 3)
        if i == 7:  # the one 示府办发〔2026〕7号
            sender, code, year, n, outgoing, kind = OWN[0], OWN[1], 2026, 7, True, "通知"
        elif outgoing and code == OWN[1] and year == 2026 and n == 7:
            n = 8
        if i in (31, 95):  # others with 〔2026〕7号 under their own 代字
            sender, code = SENDERS[i % len(SENDERS)]
            year, n, outgoing, kind = 2026, 7, False, "请示"
        title = rng.choice(spec["titles"]).format(year=year, kind=kind, place=rng.choice(PLACES))
        sentences = rng.sample(spec["sentences"], k=min(len(spec["sentences"]), rng.randint(2, 4)))
        if rng.random() < 0.15:
            sentences.append(rng.choice(TOPICS[rng.choice(topics)]["sentences"]))
        unit = rng.choice(UNITS)
        opinions = []
        for _ in range(rng.randint(0, 3)):
            who, text = rng.choice(OPINIONS)
            author = rng.choice(LEADERS if who == "leader" else STAFF)
            opinions.append({"author": author, "text": text.format(leader=rng.choice(LEADERS), unit=rng.choice(UNITS))})
        docs.append({
            "key": f"D{i + 1:03d}", "direction": "outgoing" if outgoing else "incoming", "doc_type": kind,
            "title": title, "doc_number": f"{code}〔{year}〕{n}号", "sender": sender, "unit": unit,
            "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "urgency": rng.choice(["", "", "", "加急", "特急"]), "body": "".join(sentences), "opinions": opinions,
        })
    return docs


QUERIES = [
    "督办", "防汛", "预算", "财务处", "办公室", "示府办发〔2026〕7号", "〔2026〕7号", "周副市长", "陈市长",
    "道路 安全", "防汛物资", "招商引资", "营商环境", "义务教育", "校园安全", "财政预算", "请示", "批示",
    "拟办", "签收", "督查室", "乡村振兴", "高标准农田", "危险化学品", "安全生产", "医共体", "传染病",
    "春运", "水库", "专项资金", "示财", "示范市教育局", "吴副市长 同意", "东城区", "高考", "转移支付",
    "公路养护", "预算 财务处", "防汛 应急响应", "2025", "外贸企业", "值班",
]


def searchable(doc) -> str:
    opinions = "\n".join(f"{o['author']}：{o['text']}" for o in doc["opinions"])
    return "\n".join([doc["title"], doc["doc_number"], doc["sender"], doc["unit"], doc["body"], opinions])


def expected(docs, query):
    parts = query.split()
    return [d["key"] for d in docs if all(p in searchable(d) for p in parts)]


def main():
    docs = generate()
    queries = [{"q": q, "expected": expected(docs, q)} for q in QUERIES]
    (HERE / "documents.json").write_text(json.dumps(docs, ensure_ascii=False, indent=1) + "\n")
    (HERE / "queries.json").write_text(json.dumps(queries, ensure_ascii=False, indent=1) + "\n")
    for q in queries:
        print(q["q"], len(q["expected"]))


if __name__ == "__main__":
    main()
