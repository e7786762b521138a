"""A synthetic petition corpus for the similar-cases tests and benchmark.

A petition is told in clauses: what happened, what is wrong, what the petitioner already
tried, what they ask for — each clause group of a kind of matter has several alternative
sentences, and slots for the cause's facts ({company}, {village} …) and for synonyms
({=owe} picks one of 拖欠 / 欠付 / 拒不支付 …).

- ``background(rng, n)``: unrelated petitions.  Each has a cause of its own (its own
  company, project, village, amounts) and its own telling (a sentence drawn for every clause
  group, its own synonyms, opening and extra remarks), so two of them share at most the
  vocabulary of their kind of matter.
- ``planted_groups(rng, groups, size)``: groups of paraphrases.  A group is one cause (same
  facts) told by ``size`` different petitioners: each re-tells the group's account in its
  own words — about a third of the clauses replaced by another sentence, half of the
  synonyms chosen anew, the middle clauses in another order, another title with some
  probability, its own opening, numbers and remarks.

Everything is drawn from a seeded ``random.Random``: the same seed gives the same corpus.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

COUNTIES = {"mangshi": "芒市", "ruili": "瑞丽市", "lianghe": "梁河县", "yingjiang": "盈江县",
            "longchuan": "陇川县"}
TOWNSHIPS = {
    "mangshi": ["芒市镇", "遮放镇", "勐戛镇", "芒海镇", "风平镇", "轩岗乡", "江东乡", "西山乡",
                "中山乡", "三台山乡", "五岔路乡"],
    "ruili": ["勐卯街道", "畹町镇", "弄岛镇", "姐相乡", "户育乡", "勐秀乡"],
    "lianghe": ["遮岛镇", "芒东镇", "勐养镇", "平山乡", "小厂乡", "大厂乡", "九保乡", "曩宋乡",
                "河西乡"],
    "yingjiang": ["平原镇", "旧城镇", "那邦镇", "弄璋镇", "盏西镇", "卡场镇", "太平镇", "昔马镇",
                  "新城乡", "芒章乡", "苏典乡"],
    "longchuan": ["章凤镇", "陇把镇", "景罕镇", "城子镇", "户撒乡", "护国乡", "清平乡",
                  "王子树乡", "勐约乡"],
}
_SYLLABLES = list("鑫宏顺达恒瑞盛泰兴丰源通华德祥和隆安嘉利福明诚信远腾金银永昌锦伟峰海"
                  "天康润佳新凯")
_VILLAGE_HEAD = list("新大上下团光回河坝龙松田芒弄等勐拉贺帕景户允曼那南邦广章遮")
_VILLAGE_TAIL = list("寨坝岗坎线井山河平章卡棒满门洪蚌罕")
SURNAMES = list("李杨张王赵刀岳线孟段尹何董寸陈刘周罗郭番思排金雷许谢")
_PROJECTS = ["高速公路连接线", "工业园区道路", "城区道路扩建", "中型水库", "边境物流园区",
             "集镇安置小区", "农贸市场改造", "县城污水管网", "输变电线路", "高标准农田",
             "旅游小镇", "通村公路", "学校教学楼", "乡镇卫生院迁建", "河道治理",
             "铁路站前广场", "口岸联检楼", "农村饮水安全", "光伏电站", "产业园标准厂房"]
_RIVERS = ["芒市河", "瑞丽江", "大盈江", "南畹河", "龙川江", "户撒河", "芒东河", "槟榔江"]
_GOODS = ["玉米", "西瓜", "红木", "稻谷", "咖啡豆", "冬瓜", "香蕉", "柠檬", "茶叶", "生姜"]
_WHEN = ["去年三月", "去年年底", "前年秋收后", "今年春节前", "去年雨季", "今年五月", "前年腊月",
         "去年国庆前后", "今年开春", "去年八月", "前年夏天", "今年清明前", "去年中秋前",
         "今年六月底", "去年十一月", "前年春耕时"]
_LANDMARKS = ["村口大青树下", "村委会院子", "小学旁边", "河边晒场", "集镇街口", "老粮站",
              "项目部板房", "寨子后山", "水库大坝下", "公路岔口", "村卫生室门口", "佛寺旁边",
              "糖厂地磅房", "镇政府会议室", "菜市场后门", "老桥头"]
_DEADLINES = ["年底", "春节", "月底", "收割后", "雨季前", "国庆", "下个月", "开学前"]
_GROUPS = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组", "九组", "十组",
           "上寨组", "下寨组", "新寨组", "老寨组"]
_HOSPITALS = ["昆明某医院", "州人民医院", "大理某医院", "保山某医院", "省第一人民医院",
              "市中医医院", "芒市人民医院", "瑞丽市人民医院", "州中医医院", "昆明某肿瘤医院",
              "省第二人民医院", "临沧某医院"]


def _village(rng: random.Random) -> str:
    return rng.choice(_VILLAGE_HEAD) + rng.choice(_VILLAGE_TAIL) + "村"


def _brand(rng: random.Random) -> str:
    return rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "某" + rng.choice(["", "某"])


# Synonyms: a telling picks its own word for every slot written {=key}.
SYNONYMS = {
    "owe": ["拖欠", "欠付", "一直未支付", "迟迟不发", "拒不支付"],
    "wage": ["工资", "工钱", "劳务费", "务工报酬"],
    "worker": ["农民工", "务工人员", "工人", "打工人员"],
    "ask": ["请求", "希望", "恳请", "要求", "盼望"],
    "help": ["督促清偿", "帮助讨回", "协调解决", "责令支付", "依法处理"],
    "comp": ["补偿款", "征地补偿", "补偿费用", "赔偿款"],
    "pay": ["兑付", "发放", "支付", "兑现"],
    "not_yet": ["至今未", "到现在还没有", "迟迟未", "一直没有"],
    "many": ["多次", "反复", "多回", "屡次"],
    "report": ["反映", "找过", "投诉", "联系"],
    "cadre": ["村干部", "村组干部", "村委会", "村里"],
    "house": ["房屋", "住房", "房子", "老宅"],
    "pollute": ["污染", "直排", "偷排", "乱排"],
    "smell": ["臭气熏天", "气味难闻", "恶臭", "异味很大"],
    "cane": ["甘蔗款", "蔗款", "甘蔗收购款", "交蔗款"],
    "rent": ["承包费", "租金", "地租", "租赁费"],
    "poor": ["低保", "最低生活保障", "低保名额", "低保待遇"],
    "relative": ["亲属", "亲戚", "家里人", "亲友"],
    "road": ["道路", "公路", "村道", "水泥路"],
    "broken": ["开裂塌陷", "坑洼破损", "大面积损坏", "裂缝很多"],
    "water": ["停水", "断水", "没有自来水", "供水不正常"],
    "seize": ["暂扣", "扣押", "扣留", "查扣"],
    "court": ["判决", "法院判决", "生效判决", "民事判决"],
    "enforce": ["执行", "强制执行", "执行程序", "执行工作"],
    "forest": ["山林", "林地", "集体林", "山场"],
    "dispute": ["纠纷", "争议", "矛盾", "权属争议"],
    "school": ["学位", "入学名额", "就读学位", "上学名额"],
    "child": ["子女", "孩子", "小孩", "儿子"],
    "refund": ["报销", "医保报销", "费用报销", "结算报销"],
    "low": ["偏低", "太低", "明显偏低", "低于政策规定"],
    "nobody": ["没人管", "无人处理", "没有下文", "石沉大海"],
    "quickly": ["尽快", "早日", "及时", "抓紧"],
    "investigate": ["调查核实", "查处", "核查", "调查处理"],
    "life": ["生活困难", "生活没有着落", "日子很难过", "生计困难"],
}


@dataclass(frozen=True)
class Kind:
    """A kind of matter: its category, titles, and clause groups (in telling order), each a
    tuple of alternative sentences."""

    name: str
    category: str
    titles: tuple[str, ...]
    clauses: tuple[tuple[str, ...], ...]
    extras: tuple[str, ...] = ()


KINDS = [
    Kind("wages", "wages", (
        "{company}{=owe}{site}{project}{=worker}{=wage}",
        "{site}{project}工地{=owe}{=wage}",
        "讨要{project}务工{=wage}，{company}负责人{boss}{=owe}",
        "{boss}承包的{project}工程{=owe}{=worker}{=wage}",
        "{site}{project}项目{=worker}{=wage}被{=owe}",
    ), (
        ("我们是在{site}{project}工地干活的{=worker}，施工单位是{company}。",
         "{year}年起我们在{company}承建的{project}（{site}）务工。",
         "我等{n}人跟随包工头{boss}在{site}{project}项目做工半年多。",
         "{company}中标{site}{project}后，把劳务分包给了{boss}，我们在其手下干活。",
         "{site}{project}工程由{company}施工，我们是工地上的{=worker}。"),
        ("{when}{boss}在{landmark}给大家写过欠条，说{deadline}前一定结清。", "{when}工程验收后，{boss}把大家叫到{landmark}说钱要等{deadline}。", "我们{group_n}人里有{n}个是{village}的，{boss}{when}就没再露面。"),
        ("工程完工后{boss}{=owe}我们的{=wage}，共计约{amount}万元。",
         "{company}以工程款未结算为由{=owe}大家的{=wage}。",
         "{boss}只发了生活费，{=wage}{=not_yet}{=pay}，现在电话也打不通。",
         "总包{company}说钱已经付给{boss}，{boss}却说没收到，{=wage}就这样被{=owe}。"),
        ("我们{=many}{=report}{company}都没有结果。",
         "去劳动监察部门{=report}过，{=nobody}。",
         "{=many}到工地项目部讨要，被保安赶了出来。",
         "向{site}政府{=report}过，说让我们等。"),
        ("{=ask}政府{=help}。", "{=ask}劳动监察部门{=quickly}{=help}。",
         "{=ask}有关部门责令{company}{=pay}{=wage}。", "{=ask}{=quickly}帮我们拿到{=wage}。"),
    ), ("家里老人生病急需用钱。", "春节前必须拿到钱回家。", "手上有考勤表和欠条。")),
    Kind("land", "land", (
        "{township}{village}{project}征地{=comp}{=not_yet}{=pay}",
        "{village}土地被征用于{project}，{=comp}不到位",
        "{project}占用{village}集体土地{=comp}问题",
        "{township}{village}村民讨要{project}征地{=comp}",
        "{village}{project}用地{=comp}分配不公开",
    ), (
        ("{year}年{village}约{area}亩集体土地被征用于{project}建设。",
         "我们{township}{village}的承包地被{project}项目占用。",
         "{project}在{township}征地，{village}有{area}亩地被征收。",
         "{village}的土地{year}年交给了{project}使用。"),
        ("征地时{=cadre}{when}在{landmark}开过会，承诺{deadline}前{=pay}。", "涉及{village}{group}共{n}户，{when}丈量后就动工了。", "{landmark}那片地是{village}{group}最好的水田。"),
        ("{=comp}{=not_yet}{=pay}到户。", "当时说好的{=comp}只{=pay}了一部分。",
         "青苗费和{=comp}{=not_yet}到位，剩下的钱不知去向。",
         "{=cadre}对{=comp}分配方案不公示，账目不清。"),
        ("{=many}找{=cadre}都说在等上面拨款。", "{=many}{=report}到{township}政府无果。",
         "去年也来{=report}过，{=nobody}。", "我们找了{=cadre}和国土所，互相推诿。"),
        ("{=ask}{=quickly}{=pay}{=comp}。", "{=ask}公开明细并{=pay}。",
         "{=ask}政府兑现承诺。", "{=ask}{=investigate}{=comp}去向。"),
    ), ("村民怀疑{=comp}被截留。", "家里靠种地为生，没有地以后{=life}。",
        "当时签了协议，有协议原件。")),
    Kind("resettle", "land", (
        "{project}拆迁户{estate}安置房逾期未交付",
        "{estate}安置房一直不交房",
        "{township}{project}征收后安置房迟迟不交付",
        "讨要{estate}安置房和过渡费",
    ), (
        ("我家{=house}因{project}项目被征收拆除。", "{township}{project}拆迁已经好几年。",
         "{year}年签的拆迁协议，说好分{estate}的安置房。",
         "我们是{project}的拆迁户，{=house}{year}年就拆了。"),
        ("{when}拆迁办在{landmark}跟我们签的协议，承诺{deadline}交房。", "同批拆迁的{village}{group}还有{n}户也没拿到房。", "{estate}工地{when}就停工了，{landmark}的围挡都倒了。"),
        ("协议约定两年内在{estate}交付安置房，{=not_yet}交付。",
         "{estate}安置小区{=not_yet}建好，工地停工。",
         "过渡安置费今年开始没有{=pay}。", "{estate}的房子盖了一半就停了，交房遥遥无期。"),
        ("我们一家租房住，{=life}。", "{=many}{=report}{=nobody}。",
         "找了拆迁办，只说在协调。", "房东要收回房子，马上没地方住。"),
        ("{=ask}{=quickly}交房并补发过渡费。", "{=ask}政府{=help}。",
         "{=ask}兑现拆迁协议。", "{=ask}给个明确的交房时间。"),
    ), ("老人小孩跟着到处租房。",)),
    Kind("cane", "agriculture", (
        "{mill}{=owe}{village}蔗农{=cane}",
        "{season}榨季{=cane}{=not_yet}结清",
        "{village}蔗农讨要{mill}{=cane}",
        "{mill}{season}榨季{=cane}{=owe}",
    ), (
        ("{season}榨季我们{village}交售给{mill}的甘蔗约{tons}吨。",
         "{village}有几十户蔗农在{season}榨季向{mill}交蔗。",
         "{mill}收了{village}的甘蔗{tons}吨。", "我们是{village}的蔗农，甘蔗都交给了{mill}。"),
        ("甘蔗是{when}拉到{mill}{landmark}过磅的。", "{village}{group}的蔗款{mill}说{deadline}前付清。", "{mill}{when}开过会，承诺按吨价一次结清。"),
        ("{=cane}{=not_yet}结清。", "{mill}以资金紧张为由{=owe}{=cane}。",
         "{=cane}到现在还差很多。", "{mill}只付了三成，其余{=cane}{=owe}。"),
        ("化肥钱都没有，影响春耕。", "{=many}{=report}糖厂无果。", "找过乡里，{=nobody}。",
         "糖厂说等白糖卖了再给。"),
        ("{=ask}督促{mill}{=pay}。", "{=ask}有关部门{=help}。", "{=ask}{=quickly}结清{=cane}。"),
    ), ("有交蔗单据为证。", "再不给钱今年就不种甘蔗了。")),
    Kind("rubber", "agriculture", (
        "{company}{=owe}{village}橡胶林地{=rent}",
        "{village}集体橡胶林{=rent}纠纷",
        "讨要{company}拖欠的橡胶地{=rent}",
    ), (
        ("{village}把约{area}亩集体橡胶林地承包给{company}。", "{company}承包我们{village}的橡胶林。",
         "{year}年{village}与{company}签了橡胶林地承包合同。"),
        ("涉及{village}{group}{landmark}一带的胶林。", "{company}{when}就不再派人管理胶林。", "合同是{when}在{landmark}签的，约定{deadline}前付清当年{=rent}。"),
        ("合同约定每年付{=rent}，公司已连续两年{=owe}。", "{=rent}{=not_yet}{=pay}。",
         "{company}{=owe}{=rent}，还擅自扩大割胶范围。"),
        ("{=many}{=report}公司无果。", "{=cadre}不管。", "找过{township}，{=nobody}。"),
        ("{=ask}{=help}。", "{=ask}解除合同或{=pay}{=rent}。", "{=ask}督促{company}履行合同。"),
    ), ("合同还有十年才到期。",)),
    Kind("pollution", "environment", (
        "{plant}{=pollute}{river}",
        "{village}附近{plant}污水{=pollute}{=smell}",
        "{plant}污染{village}灌溉用水",
        "{river}被{plant}污染",
    ), (
        ("{village}上游的{plant}把污水排进{river}。", "{plant}长期{=pollute}废水。",
         "{village}旁边开了一家{plant}。", "晚上{plant}偷偷往{river}排污。"),
        ("排污口就在{landmark}，{when}开始越来越严重。", "{village}{group}的鱼塘{when}死了一批鱼。", "{plant}{when}扩建后排量更大，{landmark}一带全是污水。"),
        ("下游灌溉用水被{=pollute}，{=smell}。", "{river}水发黑发臭，鱼都死了。",
         "{village}的田都被{=pollute}了。", "村民喝水用水都成问题。"),
        ("{=many}{=report}{=nobody}。", "给环保局打过电话，来看了一次就没下文。",
         "找{plant}老板理论，被骂了回来。"),
        ("{=ask}生态环境部门{=investigate}。", "{=ask}{=quickly}关停{plant}。", "{=ask}{=help}。"),
    ), ("夏天气味更大，孩子经常生病。", "有照片和视频为证。")),
    Kind("welfare", "conduct", (
        "{village}{cadre_name}{=poor}评定优亲厚友",
        "反映{cadre_name}把{=poor}给{=relative}",
        "{village}{group}{=poor}评定不公",
        "{cadre_name}在{=poor}评定中违规",
    ), (
        ("{village}的{cadre_name}在{=poor}评定中优亲厚友。",
         "{cadre_name}利用职务之便给自家{=relative}办{=poor}。",
         "今年{village}评{=poor}，名单上好几户是{cadre_name}的{=relative}。"),
        ("{village}{group}今年只有{n}户评上，其中{cadre_name}的{=relative}占了两户。", "评议会{when}在{landmark}开的，没让群众参加。", "{cadre_name}的{=relative}{when}刚在{landmark}旁边盖了新房。"),
        ("不符合条件的{=relative}被纳入{=poor}。", "真正困难的群众却评不上。",
         "{cadre_name}的{=relative}家有车有房还吃{=poor}。", "评定结果也不公示。"),
        ("我家困难却没有评上。", "{=many}{=report}到乡里{=nobody}。", "群众意见很大。"),
        ("{=ask}{=investigate}。", "{=ask}纪委{=investigate}。", "{=ask}重新评定。"),
    ), ("请求对反映人身份保密。",)),
    Kind("road", "construction", (
        "{village}{project}工程质量差",
        "{builder}修的{village}{=road}{=broken}",
        "{project}完工不久就{=broken}",
        "{village}{group}{=road}质量问题",
    ), (
        ("{village}的{project}由{builder}施工。", "{builder}承建了{village}的{project}。",
         "{year}年{village}修了{project}。"),
        ("{landmark}那一段{when}就塌了，{village}{group}的车过不去。", "路是{when}修的，{landmark}附近已经断了。", "{builder}{when}只派人在{landmark}补了几铲水泥。"),
        ("完工不到一年就{=broken}。", "{=road}修好半年就{=broken}，怀疑偷工减料。",
         "{project}{=broken}，群众出行困难。", "验收把关不严，{=broken}也没人修。"),
        ("{=many}{=report}{=nobody}。", "{builder}不来维修。", "村里说工程款已经结了。"),
        ("{=ask}核查并追责。", "{=ask}{=help}。", "{=ask}{=quickly}维修。"),
    ), ("雨季一到根本没法走。",)),
    Kind("water", "other", (
        "{village}{project}建成后长期{=water}",
        "{village}{group}{=water}",
        "{project}管护不到位{village}{=water}",
    ), (
        ("{village}的{project}建成后经常{=water}。", "我们{village}{=water}已经好几个月。",
         "{project}修好以后{village}就没正常供过水。"),
        ("{village}{group}{when}起就没来过水，蓄水池在{landmark}。", "{landmark}的主管道{when}被挖断了。", "全村{n}户只能到{landmark}挑水。"),
        ("管护责任不清。", "管子坏了没人修。", "村民只能到山沟挑水。"),
        ("{=many}{=report}无果。", "找过水务站，{=nobody}。", "村里说没有维修经费。"),
        ("{=ask}恢复供水。", "{=ask}{=help}。", "{=ask}明确管护责任。"),
    ), ("旱季更严重。",)),
    Kind("border", "border", (
        "{port}边民互市{goods}被{=seize}",
        "对{port}{=seize}{goods}有意见",
        "{port}{goods}被{=seize}",
    ), (
        ("我以边民身份在{port}申报进口了一批{goods}。", "{year}年我在{port}申报{goods}入境。",
         "我的{goods}在{port}通关时被拦下。"),
        ("{goods}是{when}在{port}{landmark}被拦下的。", "执法人员{when}说{deadline}前给答复，至今没有。", "一起被扣的还有同村{n}户的{goods}。"),
        ("{goods}被{=seize}，执法程序不规范。", "执法人员{=seize}了{goods}，没有出具手续。",
         "{goods}已经放了三个月，损失很大。"),
        ("{=many}{=report}都说在调查。", "告知不清楚。", "{=nobody}。"),
        ("{=ask}说明依据并{=help}。", "{=ask}{=quickly}退还{goods}。", "{=ask}{=help}。"),
    ), ()),
    Kind("enforce", "legal", (
        "{court_name}{=court}{debtor}{loan}欠款{=enforce}不到位",
        "与{debtor}借贷纠纷{=enforce}难",
        "对{court_name}{debtor}案{=enforce}工作有意见",
    ), (
        ("{debtor}当年借钱{loan}，我与{debtor}的民间借贷纠纷{court_name}{=court}已生效。",
         "{debtor}借钱{loan}后不还，{court_name}判{debtor}还款。",
         "{debtor}借我{amount}万元不还，我起诉到{court_name}胜诉。"),
        ("{debtor}{when}还在{landmark}开着店。", "案子是{when}立的执行案，法官说{deadline}前有结果。", "{debtor}在{landmark}有一套房子一直没有查封。"),
        ("{=enforce}快一年，钱{=not_yet}到位。", "{debtor}名下财产查不到，{=enforce}停滞。",
         "{court_name}{=enforce}不力。"),
        ("{=many}找法官都说在办。", "{=nobody}。", "{debtor}照样做生意。"),
        ("{=ask}加大{=enforce}力度。", "{=ask}{=help}。"),
    ), ()),
    Kind("forest", "other", (
        "{village}与{other_village}{=forest}{=dispute}",
        "{village}{=forest}权属{=dispute}",
        "{other_village}侵占{village}{=forest}",
    ), (
        ("我们{village}与{other_village}因一片{=forest}权属长期{=dispute}。",
         "{other_village}的人到我们{village}的{=forest}砍树。",
         "{village}和{other_village}的{=forest}界线不清。"),
        ("争议的{=forest}在{landmark}一带，约{area}亩。", "{when}{other_village}的人在{landmark}砍了{n}棵树。", "{village}{group}{when}去{landmark}理论时被打伤。"),
        ("双方{=many}发生冲突。", "眼看要打起来了。", "两村积怨很深。"),
        ("{=many}{=report}无果。", "{township}调解过两次没调成。"),
        ("{=ask}依法确权。", "{=ask}政府确权调处。", "{=ask}{=help}。"),
    ), ()),
    Kind("school", "education", (
        "{school_name}{grade}{=school}分配",
        "{estate}随迁{=child}在{school_name}就读{=school}被拒",
        "对{school_name}{grade}招生有意见",
        "{estate}住户{=child}进{school_name}被拒",
    ), (
        ("我家住{estate}，{=child}随迁在城区，申请{school_name}{grade}{=school}。",
         "今年给{=child}报{school_name}{grade}，我们住在{estate}。",
         "我们在{school_name}附近的{estate}租房多年。",
         "{estate}有{n}户随迁家庭，{=child}都想上{school_name}。"),
        ("{when}去报名时，{school_name}招生办在{landmark}设点。", "我们在{landmark}租房已经{n}年。", "{school_name}{when}答复说{deadline}再看。"),
        ("被告知不符合条件。", "{school_name}说{=school}满了。",
         "同样条件的人家{=child}进去了。"),
        ("我们有居住证明和务工证明。", "{=many}{=report}教育局无果。"),
        ("{=ask}重新审核。", "{=ask}保障{=child}入学。", "{=ask}{=help}。"),
    ), ()),
    Kind("insurance", "labour", (
        "{patient}在{hospital}{dept}住院{=refund}比例{=low}",
        "{hospital}{dept}住院费用{=refund}",
        "{patient}{disease}异地就医{=refund}不到位",
    ), (
        ("{patient}因{disease}在{hospital}{dept}住院，已办异地就医备案。",
         "{patient}得了{disease}，在{hospital}看病花了很多钱。",
         "{year}年{patient}在{hospital}{dept}做了{disease}手术。"),
        ("{when}住院{n}天，自付部分很高。", "{when}在{landmark}的医保窗口办的备案。", "医保局{when}说{deadline}前复核，至今没有消息。"),
        ("出院后{=refund}比例{=low}。", "{=refund}金额{=low}。", "窗口解释不清。"),
        ("{=many}{=report}医保局无果。", "备案手续齐全。"),
        ("{=ask}复核{=refund}金额。", "{=ask}{=help}。"),
    ), ()),
]
KIND_BY_NAME = {k.name: k for k in KINDS}

_OPENINGS = ["信访人{name}反映：", "{name}等人来访称，", "来信人{name}称：", "", "{name}来电反映，",
             "网上信访：", "{name}等{n}人联名反映，", "{name}（{village}村民）来访："]


@dataclass
class Cause:
    kind: Kind
    county: str
    township: str
    facts: dict = field(default_factory=dict)


def make_cause(rng: random.Random, kind: Kind | None = None) -> Cause:
    kind = kind or rng.choice(KINDS)
    county = rng.choice(list(COUNTIES))
    township = rng.choice(TOWNSHIPS[county])
    facts = {
        "company": _brand(rng) + rng.choice(["建筑工程有限公司", "劳务有限公司", "建设集团",
                                             "种植有限公司", "实业有限公司"]),
        "project": rng.choice(_PROJECTS),
        "boss": _person(rng),
        "site": COUNTIES[county] + township,
        "village": _village(rng),
        "township": township,
        "area": str(rng.randint(20, 900)),
        "estate": _brand(rng) + rng.choice(["家园", "小区", "安置点", "新村"]),
        "mill": _brand(rng) + "糖厂",
        "season": f"{rng.randint(2019, 2025)}/{rng.randint(2020, 2026)}",
        "plant": _brand(rng) + rng.choice(["养殖场", "采石场", "砖厂", "造纸厂", "洗砂场"]),
        "river": rng.choice(_RIVERS),
        "cadre_name": _person(rng) + rng.choice(["主任", "书记", "组长", "会计"]),
        "builder": _brand(rng) + "路桥公司",
        "port": COUNTIES[county] + rng.choice(["互市点", "口岸", "通道", "边贸区"]),
        "goods": rng.choice(_GOODS),
        "debtor": _person(rng),
        "court_name": COUNTIES[county] + "人民法院",
        "other_village": _village(rng),
        "school_name": COUNTIES[county] + rng.choice(["第一", "第二", "第三", "民族", "实验"])
        + rng.choice(["小学", "中学"]),
        "hospital": rng.choice(_HOSPITALS),
        "dept": rng.choice(["心内科", "骨科", "肿瘤科", "神经外科", "儿科", "肾内科", "普外科",
                            "呼吸科", "眼科", "妇产科"]),
        "disease": rng.choice(["脑梗", "股骨骨折", "肺癌", "尿毒症", "心梗", "白血病", "胆结石",
                               "乳腺癌", "糖尿病足", "颅脑外伤"]),
        "patient": rng.choice(["父亲", "母亲", "妻子", "丈夫", "儿子", "女儿", "岳父", "婆婆"]),
        "loan": rng.choice(["买车", "开饭店", "建房", "进货", "承包鱼塘", "做玉石生意", "跑运输",
                            "开砖厂", "种香蕉"]),
        "grade": rng.choice(["一年级", "二年级", "三年级", "四年级", "七年级", "八年级"]),
        "when": rng.choice(_WHEN),
        "landmark": rng.choice(_LANDMARKS),
        "deadline": rng.choice(_DEADLINES),
        "group": rng.choice(_GROUPS),
        "group_n": str(rng.randint(8, 60)),
    }
    return Cause(kind, county, township, facts)


@dataclass
class Telling:
    """How an account is told: the title, one sentence per clause group, the clause
    order, and a word for every synonym slot."""

    title: int
    clauses: list[tuple[int, int]]  # per group: the alternative, and the one lending its tail
    order: list[int]
    words: dict[str, int]


def _pick_clause(group: tuple[str, ...], rng: random.Random) -> tuple[int, int]:
    """A sentence for a clause group: one alternative, or — half the time, when two
    alternatives have a comma — the head of one with the tail of another."""
    a = rng.randrange(len(group))
    split = [i for i in range(len(group)) if "，" in group[i] and i != a]
    if "，" in group[a] and split and rng.random() < 0.5:
        return a, rng.choice(split)
    return a, a


def _sentence(group: tuple[str, ...], choice: tuple[int, int]) -> str:
    a, b = choice
    if a == b:
        return group[a]
    return group[a].split("，", 1)[0] + "，" + group[b].split("，", 1)[1]


def _new_telling(kind: Kind, rng: random.Random) -> Telling:
    middle = list(range(1, len(kind.clauses) - 1))
    rng.shuffle(middle)
    return Telling(rng.randrange(len(kind.titles)),
                   [_pick_clause(group, rng) for group in kind.clauses],
                   [0, *middle, len(kind.clauses) - 1],
                   {key: rng.randrange(len(words)) for key, words in SYNONYMS.items()})


def _retell(kind: Kind, base: Telling, rng: random.Random) -> Telling:
    """Another petitioner's wording of the same account: one clause told with another
    sentence, half the synonyms and the title with even odds, maybe another order."""
    fresh = _new_telling(kind, rng)
    clauses = list(base.clauses)
    g = rng.randrange(len(clauses))
    while (fresh_clause := _pick_clause(kind.clauses[g], rng)) == clauses[g]:
        pass
    clauses[g] = fresh_clause
    return Telling(
        base.title if rng.random() < 0.5 else fresh.title,
        clauses,
        fresh.order if rng.random() < 0.5 else base.order,
        {key: base.words[key] if rng.random() < 0.5 else fresh.words[key] for key in SYNONYMS},
    )


def _fill(template: str, values: dict, words: dict[str, int]) -> str:
    out = []
    i = 0
    while i < len(template):
        if template[i] == "{":
            j = template.index("}", i)
            key = template[i + 1:j]
            if key.startswith("="):
                choices = SYNONYMS[key[1:]]
                out.append(choices[words[key[1:]] % len(choices)])
            else:
                out.append(values[key])
            i = j + 1
        else:
            out.append(template[i])
            i += 1
    return "".join(out)


@dataclass
class Petition:
    title: str
    content: str
    category: str
    county: str  # where the case is registered as located (its fields, not its text)
    township: str
    village: str
    group: int | None = None  # the planted group, None for background


def _tell(cause: Cause, telling: Telling, rng: random.Random, group: int | None) -> Petition:
    kind = cause.kind
    values = dict(cause.facts)
    values.update(year=str(rng.randint(2018, 2025)), amount=str(rng.randint(3, 90)),
                  tons=str(rng.randint(40, 900)), n=str(rng.randint(3, 40)))
    body = "".join(_fill(_sentence(kind.clauses[g], telling.clauses[g]), values, telling.words)
                   for g in telling.order)
    opening = rng.choice(_OPENINGS).format(name=_person(rng), n=rng.randint(2, 30),
                                           village=_village(rng))
    extras = "".join(_fill(e, values, telling.words) for e in kind.extras if rng.random() < 0.3)
    # Where the case is recorded: the place of the matter for half the accounts of a group,
    # for the others the petitioner's own place (another township of the county, or another
    # county) — a group's partners cannot be found by their location alone.
    county, township, village = cause.county, cause.township, cause.facts["village"]
    if group is not None and rng.random() < 0.5:
        if rng.random() < 0.5:
            county = rng.choice(list(COUNTIES))
        township, village = rng.choice(TOWNSHIPS[county]), _village(rng)
    return Petition(_fill(kind.titles[telling.title], values, telling.words),
                    opening + body + extras, kind.category, county, township, village, group)


def planted_groups(rng: random.Random, groups: int, size: int) -> list[Petition]:
    """``groups`` causes, each told by ``size`` petitioners in their own words."""
    out = []
    for g in range(groups):
        cause = make_cause(rng, KINDS[g % len(KINDS)])
        base = _new_telling(cause.kind, rng)
        out += [_tell(cause, _retell(cause.kind, base, rng), rng, g) for _ in range(size)]
    return out


def background(rng: random.Random, n: int) -> list[Petition]:
    """``n`` petitions, each about a cause of its own, told in its own way."""
    out = []
    for _ in range(n):
        cause = make_cause(rng)
        out.append(_tell(cause, _new_telling(cause.kind, rng), rng, None))
    return out
