"""Writes samples.json: the checker corpus (correct and faulty drafts as field sets). Run it
after editing; the JSON is committed."""
import copy
import json
from pathlib import Path

REQ = {"doc_type": "请示", "title": "示范市教育局关于增拨校舍维修经费的请示", "main_to": "市人民政府：",
       "copy_to": "市财政局。", "number": "示教发〔2026〕7号", "signer": "王明", "date": "2026年3月8日",
       "direction": "up", "attachments": 2,
       "attachment_note": ["附件：1.校舍维修项目清单", "2.经费测算表"],
       "body": ["为保障春季学期教学安全，现将有关事项请示如下。", "一、基本情况", "（一）校舍现状",
                "全市共有危旧校舍12处，详见附件1。", "（二）维修需求", "1.屋面防水", "2.门窗更换",
                "二、经费测算", "经测算共需经费380万元，详见附件2。", "妥否，请批示。"]}
REP = {"doc_type": "报告", "title": "示范市教育局关于2025年安全生产工作情况的报告", "main_to": "市人民政府：",
       "number": "示教发〔2026〕12号", "signer": "王明", "date": "2026年1月20日", "direction": "up",
       "body": ["现将我局2025年安全生产工作情况报告如下。", "一、主要工作", "全年开展检查36次。",
                "二、下一步打算", "继续抓好“平安校园”建设，落实《安全生产法》。", "特此报告。"]}
NOTICE = {"doc_type": "通知", "title": "示范市人民政府办公室关于做好2026年春节期间值班工作的通知",
          "main_to": "各区人民政府，市政府各部门：", "copy_to": "市委办公室，市人大常委会办公室。",
          "number": "示府办发〔2026〕3号", "date": "2026年1月15日", "direction": "down",
          "body": ["为做好春节期间值班工作，现将有关事项通知如下。", "一、加强值班", "（一）落实24小时值班。",
                   "（二）严格请假制度。", "二、及时报告", "遇有重大情况，请你局及时报告。"]}
LETTER = {"doc_type": "函", "title": "示范市教育局关于商请支持校园安全检查的函", "main_to": "市应急管理局：",
          "number": "示教函〔2026〕21号", "date": "2026年4月1日", "direction": "parallel",
          "body": ["感谢贵局一直以来的支持。", "现商请贵局派员参加校园安全检查。", "特此函商，请予支持。"]}
BASES = {"req": REQ, "rep": REP, "notice": NOTICE, "letter": LETTER}
samples = []


def ok(name, base, **chg):
    d = copy.deepcopy(BASES[base])
    d.update(chg)
    samples.append({"name": name, "expect": [], "fields": d})


def bad(name, base, rules, **chg):
    d = copy.deepcopy(BASES[base])
    for k, v in chg.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    samples.append({"name": name, "expect": rules, "fields": d})


def body(base, i, text):
    b = copy.deepcopy(BASES[base]["body"])
    b[i] = text
    return b


for b in BASES:
    ok(f"ok-{b}", b)
ok("ok-number-3digits", "notice", number="示府办发〔2026〕123号")
ok("ok-date-dec", "notice", date="2026年12月31日")
ok("ok-date-leap", "notice", date="2028年2月29日")
ok("ok-req-closing-2", "req", body=body("req", 9, "当否，请批复。"))
ok("ok-req-closing-3", "req", body=body("req", 9, "以上请示如无不妥，请批示。"))
ok("ok-title-quotes", "rep", title="示范市教育局关于开展“平安校园”创建情况的报告")
ok("ok-title-book", "notice", title="示范市人民政府关于印发《示范市校园安全管理办法》的通知")
ok("ok-copy-multi", "req", copy_to="市财政局，市发展改革委。")
ok("ok-subordinate-down", "notice", copy_to="示范区教育局。")
ok("ok-address-one", "letter")
ok("ok-no-attach", "rep")
ok("ok-attach-single", "req", attachments=1, attachment_note=["附件：校舍维修项目清单"],
   body=body("req", 8, "经测算共需经费380万元。")[:3] + ["全市共有危旧校舍12处。", "妥否，请批示。"])
ok("ok-heading-deep", "notice", body=["一、总体要求", "（一）目标", "1.完成检查", "（1）学校", "（2）幼儿园",
                                      "2.整改", "（二）原则", "二、工作安排", "各单位抓好落实。"])
ok("ok-numbers-in-text", "rep", body=REP["body"][:2] + ["全年开展检查36次，增长1.5倍。"] + REP["body"][3:])
ok("ok-english-term", "rep", body=REP["body"][:2] + ["完成GDP核算工作。"] + REP["body"][3:])
ok("ok-reduplication", "notice", body=NOTICE["body"][:5] + ["遇有重大情况，请你局常常检查、天天报告，不得不了了之。"])
ok("ok-body-date", "rep", body=REP["body"][:2] + ["2025年12月5日开展了全面检查。"] + REP["body"][3:])
ok("ok-clock-time-url", "notice", body=NOTICE["body"][:5] + ["请于每日上午9:00前登录www.sf.gov.cn报送值班信息。"])
ok("ok-decimal-start", "rep", body=REP["body"][:2] + ["1.5亿元专项资金已全部到位。"] + REP["body"][3:])
ok("ok-idiom-reduplication", "rep", body=REP["body"][:2] + ["明辨是是非非，和和气气，实实在在、的的确确抓落实。"] + REP["body"][3:])
ok("ok-two-line-quote", "notice", body=NOTICE["body"][:5] + ["请你局落实“三个一”要求，即“一校一策”“一事一档”。"])
ok("ok-secret", "notice", secrecy="机密★5年", copy_number="000012")
ok("ok-secret-months", "req", secrecy="秘密★6个月", copy_number="000001")
# faulty
bad("secrecy-term-long", "notice", ["secrecy.form"], secrecy="秘密★15年", copy_number="000001")
bad("secrecy-12-months", "notice", ["secrecy.form"], secrecy="机密★12个月", copy_number="000001")
bad("secrecy-bad-mark", "notice", ["secrecy.form"], secrecy="内部★5年", copy_number="000001")
bad("copy-number-short", "notice", ["copy_number.form"], secrecy="机密★5年", copy_number="12")
bad("copy-number-missing", "req", ["copy_number.form"], secrecy="机密")
bad("number-square", "notice", ["number.brackets"], number="示府办发[2026]3号")
bad("number-round", "notice", ["number.brackets"], number="示府办发(2026)3号")
bad("number-lenticular", "notice", ["number.brackets"], number="示府办发【2026】3号")
bad("number-padding", "notice", ["number.form"], number="示府办发〔2026〕003号")
bad("number-di", "notice", ["number.form"], number="示府办发〔2026〕第3号")
bad("number-short-year", "notice", ["number.form"], number="示府办发〔26〕3号")
bad("number-bracket-and-pad", "notice", ["number.brackets", "number.form"], number="示府办发[2026]03号")
bad("date-padding", "notice", ["date.padding"], date="2026年03月08日")
bad("date-padding-day", "notice", ["date.padding"], date="2026年3月08日")
bad("date-unreal", "notice", ["date.invalid"], date="2026年2月30日")
bad("date-not-leap", "notice", ["date.invalid"], date="2026年2月29日")
bad("date-iso", "notice", ["date.invalid"], date="2026-03-08")
bad("date-body-padding", "rep", ["date.padding"], body=REP["body"][:2] + ["2025年09月5日开展了全面检查。"] + REP["body"][3:])
bad("heading-1dun", "notice", ["heading.form"], body=NOTICE["body"][:3] + ["1、落实值班表。"] + NOTICE["body"][3:])
bad("heading-halfwidth", "notice", ["heading.form"], body=body("notice", 2, "(一)落实24小时值班。"))
bad("heading-halfwidth-arabic", "notice", ["heading.form"], body=NOTICE["body"] + ["(1)各单位落实。"])
bad("heading-gap", "notice", ["heading.sequence"], body=body("notice", 4, "三、及时报告"))
bad("heading-repeat", "notice", ["heading.sequence"], body=body("notice", 3, "（一）严格请假制度。"))
bad("heading-start2", "req", ["heading.sequence"], body=body("req", 5, "2.屋面防水"))
bad("punct-ascii-comma", "notice", ["punct.ascii"], body=body("notice", 5, "遇有重大情况,请你局及时报告。"))
bad("punct-ascii-paren", "rep", ["punct.ascii"], body=body("rep", 2, "全年开展检查36次(含专项检查)。"))
bad("punct-ascii-period", "rep", ["punct.ascii"], body=body("rep", 2, "全年开展检查36次."))
bad("punct-quote", "rep", ["punct.pair"], body=body("rep", 4, "继续抓好“平安校园建设。"))
bad("punct-book", "rep", ["punct.pair"], body=body("rep", 4, "落实《安全生产法的要求。"))
bad("punct-book-close", "notice", ["punct.pair"], title="示范市人民政府关于印发示范市校园安全管理办法》的通知")
bad("main-colon-halfwidth", "notice", ["main_to.colon"], main_to="各区人民政府，市政府各部门:")
bad("main-colon-missing", "letter", ["main_to.colon"], main_to="市应急管理局")
bad("copy-no-stop", "notice", ["copy_to.stop"], copy_to="市委办公室，市人大常委会办公室")
bad("copy-semicolon", "req", ["copy_to.stop"], copy_to="市财政局；")
bad("attach-trailing-stop", "req", ["attachment.trailing"], attachment_note=["附件：1.校舍维修项目清单", "2.经费测算表。"])
bad("attach-trailing-comma", "req", ["attachment.trailing"], attachment_note=["附件：1.校舍维修项目清单；", "2.经费测算表"])
bad("attach-count", "req", ["attachment.count"], attachments=3)
bad("attach-ref", "req", ["attachment.count"], attachments=None, attachment_note=["附件：校舍维修项目清单"])
bad("req-no-closing", "req", ["closing.count"], body=REQ["body"][:9])
bad("req-two-closings", "req", ["closing.count"], body=REQ["body"][:8] + ["当否，请批复。"] + REQ["body"][8:])
bad("report-with-request", "rep", ["closing.in_report"], body=REP["body"][:5] + ["妥否，请批示。"])
bad("report-with-request-2", "rep", ["closing.in_report"], body=REP["body"][:5] + ["以上报告如无不妥，请批复。"])
bad("dup-de", "rep", ["text.duplicate"], body=body("rep", 2, "全年开展的的检查36次。"))
bad("dup-zai", "notice", ["text.duplicate"], body=body("notice", 5, "遇有重大情况，请你局在在第一时间报告。"))
bad("placeholder-xx", "notice", ["text.placeholder"], body=body("notice", 5, "遇有重大情况，请XX及时报告。"))
bad("placeholder-times", "letter", ["text.placeholder"], main_to="××局：")
bad("placeholder-title", "rep", ["text.placeholder"], title="示范市教育局关于××工作情况的报告")
bad("address-mixed", "letter", ["text.address"], body=LETTER["body"][:1] + ["现商请你局派员参加校园安全检查。"] + LETTER["body"][2:])
bad("address-mixed-unit", "letter", ["text.address"], body=["感谢贵单位的支持。", "请你单位派员参加。", "特此函商，请予支持。"])
bad("req-two-main", "req", ["routing.one_main"], main_to="市人民政府、市财政局：")
bad("rep-two-main", "rep", ["routing.one_main"], main_to="市委，市人民政府：")
bad("req-copy-sub", "req", ["routing.copy_subordinate"], copy_to="市财政局，示范区教育局。")
bad("rep-copy-sub", "rep", ["routing.copy_subordinate"], copy_to="示范县教育局。")
bad("req-no-signer", "req", ["routing.signer"], signer=None)
bad("rep-empty-signer", "rep", ["routing.signer"], signer="")
bad("up-notice-no-signer", "notice", ["routing.signer"], direction="up", main_to="省教育厅：", copy_to=None)
bad("req-title-form", "req", ["title.form"], title="示范市教育局请求增拨校舍维修经费")
bad("rep-title-form", "rep", ["title.form"], title="示范市教育局2025年安全生产工作情况报告")
bad("title-end-stop", "notice", ["title.punct"], title="示范市人民政府办公室关于做好2026年春节期间值班工作的通知。")
bad("title-end-comma", "letter", ["title.punct"], title="示范市教育局关于商请支持校园安全检查的函，")
bad("many", "req", ["number.brackets", "date.padding", "main_to.colon", "routing.signer"],
    number="示教发[2026]7号", date="2026年03月8日", main_to="市人民政府", signer=None)
json.dump({"subordinates": ["示范区教育局", "示范县教育局"], "samples": samples},
          open(Path(__file__).with_name("samples.json"), "w", encoding="utf-8"), ensure_ascii=False, indent=1)
print(len(samples))
