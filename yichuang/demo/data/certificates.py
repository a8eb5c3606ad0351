"""The demo county's certificate layouts (证照模板, 证照套打): one per printable licence type — the 42 of
``materials.LICENSES`` marked printable (桃江县 keeps 68) — with the fields each prints, in the order and
wording of the national certificate, and where each value comes from. Staff edit them in the admin
(证照模板); the demo ships these so every printable result prints its own fields.

A layout reads the item's application form for what only the applicant can say (a logging permit's
site, species and volume; a shop's premises and business scope), so the items issuing these
certificates get the form fields their certificate needs (``CERTIFICATE_FORMS``, loaded with
``forms.FORMS``). Payments such as 高龄津贴 end in a 给付决定书, not a certificate: no layout.
"""

from __future__ import annotations

from yichuang.demo.data.forms import BANKS
from yichuang.demo.data.forms import FieldSpec as Input
from yichuang.licenses.layouts import FieldSpec, LayoutSpec

# —— the fields, as few words as the table can be read with ——


def form(label: str, key: str, *, holder: str = "", wide: bool = False, text: str = "") -> FieldSpec:
    return FieldSpec(label, "form", key=key, holder=holder, wide=wide, text=text)


def fixed(label: str, text: str, *, wide: bool = False) -> FieldSpec:
    return FieldSpec(label, "constant", text=text, wide=wide)


def name(label: str = "姓名", *, holder: str = "") -> FieldSpec:
    return FieldSpec(label, "applicant.name", holder=holder)


NUMBER = FieldSpec("证号", "licence.number")
ID = FieldSpec("公民身份号码", "applicant.id_number")
CODE = FieldSpec("统一社会信用代码（身份证号码）", "applicant.id_number")
GENDER = FieldSpec("性别", "applicant.gender")
BORN = FieldSpec("出生日期", "applicant.birth_date")
HOME = FieldSpec("户籍所在地", "applicant.region")
VALIDITY = FieldSpec("有效期限", "licence.validity")
UNTIL = FieldSpec("有效期至", "licence.valid_until")
ISSUER = FieldSpec("发证机关", "licence.issuer")
ISSUED = FieldSpec("发证日期", "licence.issued_on")
PERSON = (name(), GENDER, BORN, ID)


def numbered(label: str) -> FieldSpec:
    return FieldSpec(label, "licence.number")


def layout(*fields: FieldSpec, notes: tuple[str, ...] = (), **look: object) -> LayoutSpec:
    return LayoutSpec(fields=fields, notes=notes, **look)  # type: ignore[arg-type]


GREEN = "#1e7b34"
BLUE = "#1f4e8c"
GOLD = "#a8741a"

# —— licence type code → its layout ——

LAYOUTS: dict[str, LayoutSpec] = {
    "L003": layout(
        name("持证人"),
        FieldSpec("登记日期", "licence.issued_on"),
        numbered("结婚证字号"),
        *PERSON,
        form("配偶姓名", "spouse_name"),
        form("配偶身份证件号", "spouse_id_number"),
        FieldSpec("登记机关", "licence.issuer"),
        notes=("婚姻登记员：（签名）", "本证为婚姻登记的法定证明，涂改无效。"),
        border="#c0392b",
    ),
    "L005": layout(
        FieldSpec("统一社会信用代码", "licence.uscc", key="92"),
        form("名称", "trade_name", holder="person", text="（未起字号）"),
        name("名称", holder="organization"),
        form("组成形式", "organisation", holder="person"),
        form("类型", "company_type", holder="organization"),
        name("经营者", holder="person"),
        form("法定代表人", "legal_representative", holder="organization"),
        form("经营场所", "premises", holder="person"),
        form("住所", "premises", holder="organization"),
        form("注册资本（万元）", "capital", holder="organization"),
        FieldSpec("注册日期", "licence.issued_on", holder="person"),
        FieldSpec("成立日期", "licence.issued_on", holder="organization"),
        fixed("营业期限", "长期"),
        form("经营范围", "scope", wide=True),
        FieldSpec("登记机关", "licence.issuer"),
        title="营业执照",
        subtitle="（副本）",
        orientation="landscape",
        columns=2,
        notes=(
            "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn",
            "市场主体应当于每年1月1日至6月30日通过国家企业信用信息公示系统报送公示年度报告。",
        ),
    ),
    "L006": layout(
        *PERSON,
        form("残疾类别", "disability_category"),
        form("残疾等级", "disability_grade"),
        form("户籍地址", "household_address"),
        NUMBER,
        ISSUER,
        ISSUED,
        UNTIL,
        notes=("本证是残疾人身份的合法凭证，限本人使用。",),
        border=BLUE,
    ),
    "L007": layout(
        NUMBER,
        *PERSON,
        HOME,
        fixed(
            "优待内容",
            "凭本证享受国家和本省规定的老年人优待服务（公共交通、景区游览、医疗就诊等）",
            wide=True,
        ),
        ISSUER,
        ISSUED,
        notes=("本证限本人使用，不得转借。", "遗失请到发证机关或户籍所在地便民服务中心申请补办。"),
    ),
    "L008": layout(
        numbered("许可证编号"),
        name("采伐单位（个人）"),
        FieldSpec("证件号码", "applicant.id_number"),
        form("采伐地点", "cutting_site"),
        form("林权证号", "forest_right_no"),
        form("树种", "tree_species"),
        form("林种", "forest_category"),
        form("采伐方式", "cutting_method"),
        form("采伐面积（亩）", "area"),
        form("采伐株数", "tree_count"),
        form("采伐蓄积（立方米）", "volume"),
        form("出材量（立方米）", "timber_volume"),
        FieldSpec("采伐期限", "licence.validity"),
        fixed("更新期限", "采伐后的当年或者次年内完成更新造林"),
        ISSUER,
        ISSUED,
        notes=(
            "依据《中华人民共和国森林法》第五十六条：采伐林地上的林木应当申请采伐许可证，并按照许可证的规定进行采伐。",
            "本证须随身携带，接受林业主管部门检查；不得涂改、转让。",
        ),
        border=GREEN,
    ),
    "L009": layout(
        NUMBER,
        name("权利人"),
        form("共有情况", "co_ownership"),
        form("坐落", "location"),
        form("不动产单元号", "unit_number"),
        form("权利类型", "right_type"),
        form("用途", "use"),
        form("面积（平方米）", "floor_area"),
        form("使用期限", "term"),
        FieldSpec("登记机构", "licence.issuer"),
        FieldSpec("登记日期", "licence.issued_on"),
        notes=("本证书是权利人享有该不动产权利的证明。",),
        border=GOLD,
    ),
    "L011": layout(
        name("经营者名称"),
        CODE,
        form("法定代表人（负责人）", "person_in_charge"),
        form("住所", "premises"),
        form("经营场所", "premises"),
        form("主体业态", "business_format"),
        form("经营项目", "food_items", wide=True),
        numbered("许可证编号"),
        fixed("日常监督管理机构", "属地市场监督管理所"),
        ISSUER,
        FieldSpec("签发日期", "licence.issued_on"),
        UNTIL,
        columns=2,
        orientation="landscape",
    ),
    "L012": layout(
        numbered("登记证编号"),
        form("名称", "trade_name"),
        name("经营者"),
        ID,
        form("经营场所", "premises"),
        form("经营类别", "food_category"),
        form("从业人员（人）", "staff_count"),
        ISSUER,
        ISSUED,
        UNTIL,
    ),
    "L013": layout(
        *PERSON,
        form("从业区域", "practice_area"),
        form("学历、专业", "qualification"),
        numbered("登记证号"),
        ISSUER,
        ISSUED,
        border=GREEN,
    ),
    "L014": layout(
        NUMBER,
        name("女方姓名"),
        FieldSpec("女方身份证号码", "applicant.id_number"),
        form("男方姓名", "spouse_name"),
        form("男方身份证号码", "spouse_id_number"),
        HOME,
        form("生育孩次", "child_order"),
        ISSUER,
        ISSUED,
    ),
    "L015": layout(
        numbered("登记证编号"),
        form("名称", "trade_name"),
        name("经营者"),
        ID,
        form("生产加工场所", "premises"),
        form("生产加工品种", "products", wide=True),
        ISSUER,
        ISSUED,
        UNTIL,
    ),
    "L016": layout(
        NUMBER,
        *PERSON,
        HOME,
        form("就业失业状态", "employment_status"),
        ISSUER,
        ISSUED,
        notes=("本证是劳动者享受公共就业服务和扶持政策的凭证，全国通用。",),
        border=BLUE,
    ),
    "L018": layout(
        NUMBER,
        form("父亲姓名", "father_name"),
        form("母亲姓名", "mother_name"),
        form("子女姓名", "child_name"),
        form("子女性别", "child_gender"),
        form("子女出生日期", "child_birth"),
        name("申领人"),
        ISSUER,
        ISSUED,
        notes=("凭本证享受国家和本省规定的独生子女父母奖励扶助。",),
    ),
    "L019": layout(
        numbered("许可证编号"),
        name("单位名称"),
        CODE,
        form("法定代表人（负责人）", "person_in_charge"),
        form("经营场所", "premises"),
        fixed("经营方式", "零售"),
        form("经营范围", "scope", wide=True),
        VALIDITY,
        ISSUER,
        ISSUED,
    ),
    "L020": layout(
        numbered("卫生许可证号"),
        name("单位名称"),
        form("法定代表人（负责人）", "person_in_charge"),
        form("地址", "premises"),
        form("许可项目", "venue_kind"),
        form("营业面积（平方米）", "floor_area"),
        VALIDITY,
        ISSUER,
        ISSUED,
        border=BLUE,
    ),
    "L021": layout(
        NUMBER,
        name("建设单位（个人）"),
        form("建设项目名称", "project_name"),
        form("建设位置", "location"),
        form("建设规模（平方米）", "floor_area"),
        form("层数", "storeys"),
        ISSUER,
        ISSUED,
        notes=(
            "本证是经城乡规划主管部门依法审核，在乡、村庄规划区内有关建设工程符合城乡规划要求的法律凭证。",
        ),
        border=GREEN,
    ),
    "L022": layout(
        numbered("批准书编号"),
        name("户主姓名"),
        ID,
        form("家庭人口（人）", "household_size"),
        form("宅基地坐落", "location"),
        form("批准用地面积（平方米）", "land_area"),
        form("其中房基占地（平方米）", "house_area"),
        form("四至", "boundaries", wide=True),
        FieldSpec("批准机关", "licence.issuer"),
        FieldSpec("批准日期", "licence.issued_on"),
        notes=("经批准用地的，应当在开工前申请划定宅基地用地范围（放样），竣工后申请验收。",),
        border=GREEN,
    ),
    "L023": layout(
        numbered("证明编号"),
        *PERSON,
        HOME,
        form("婚姻状况", "marital_status"),
        form("现居住地", "current_address"),
        FieldSpec("出具机关", "licence.issuer"),
        FieldSpec("出具日期", "licence.issued_on"),
        UNTIL,
    ),
    "L024": layout(
        NUMBER,
        *PERSON,
        HOME,
        form("供养方式", "support_mode"),
        form("基本生活标准（元/月）", "monthly_amount"),
        ISSUER,
        ISSUED,
        border=BLUE,
    ),
    "L025": layout(
        NUMBER,
        name("户主姓名"),
        ID,
        form("家庭住址", "household_address"),
        form("保障人口（人）", "household_size"),
        form("开户银行", "bank"),
        VALIDITY,
        ISSUER,
        ISSUED,
        notes=("保障对象家庭人口、收入和财产状况发生变化的，应当及时告知乡镇人民政府（街道办事处）。",),
        border=BLUE,
    ),
    "L026": layout(
        numbered("登记号"),
        name("机构名称"),
        form("地址", "premises"),
        form("法定代表人", "legal_representative"),
        form("主要负责人", "person_in_charge"),
        form("所有制形式", "ownership"),
        form("医疗机构类别", "institution_kind"),
        form("床位（张）", "beds"),
        form("诊疗科目", "departments", wide=True),
        VALIDITY,
        ISSUER,
        ISSUED,
        columns=2,
        orientation="landscape",
        notes=("本证须悬挂于医疗机构醒目处。",),
    ),
    "L027": layout(
        NUMBER,
        name("建设单位"),
        form("工程名称", "project_name"),
        form("建设地址", "location"),
        form("建设规模（平方米）", "floor_area"),
        form("合同价格（万元）", "contract_price"),
        form("设计单位", "design_unit"),
        form("施工单位", "builder"),
        form("监理单位", "supervisor"),
        form("合同工期", "duration"),
        ISSUER,
        ISSUED,
        columns=2,
        notes=(
            "本证放置施工现场，作为准予施工的凭证。",
            "自领取之日起三个月内不开工又未申请延期的，本证自行废止。",
        ),
    ),
    "L028": layout(
        numbered("许可证编号"),
        name("企业名称"),
        form("注册地址", "premises"),
        form("法定代表人", "legal_representative"),
        form("企业负责人", "person_in_charge"),
        form("质量负责人", "quality_manager"),
        fixed("经营方式", "零售"),
        form("经营范围", "scope", wide=True),
        ISSUER,
        ISSUED,
        UNTIL,
    ),
    "L029": layout(
        numbered("不动产证明号"),
        fixed("证明权利或事项", "抵押权"),
        form("权利人（抵押权人）", "mortgagee"),
        name("义务人（抵押人）"),
        form("坐落", "location"),
        form("不动产单元号", "unit_number"),
        form("被担保主债权数额（万元）", "secured_amount"),
        form("债务履行期限", "term"),
        FieldSpec("登记机构", "licence.issuer"),
        FieldSpec("登记日期", "licence.issued_on"),
        border=GOLD,
    ),
    "L031": layout(
        numbered("许可证号"),
        name("业户名称"),
        form("负责人", "person_in_charge"),
        form("地址", "premises"),
        form("经营范围", "scope", wide=True),
        VALIDITY,
        ISSUER,
        ISSUED,
        border=BLUE,
    ),
    "L032": layout(
        numbered("取水许可证编号"),
        name("取水权人"),
        form("取水地点", "location"),
        form("取水方式（水源类型）", "method"),
        form("取水量（万立方米/年）", "yearly_volume"),
        form("取水用途", "purpose"),
        form("退水地点", "return_location"),
        VALIDITY,
        FieldSpec("审批机关", "licence.issuer"),
        ISSUED,
        border=BLUE,
    ),
    "L033": layout(
        numbered("许可证编号"),
        name("单位名称"),
        form("主要负责人", "person_in_charge"),
        form("经营场所", "premises"),
        fixed("经营方式", "零售"),
        fixed("许可范围", "C级、D级烟花爆竹"),
        form("限制存放量（箱）", "storage_limit"),
        VALIDITY,
        ISSUER,
        ISSUED,
    ),
    "L034": layout(
        numbered("许可证编号"),
        name("机构名称"),
        form("法定代表人", "legal_representative"),
        form("住所", "premises"),
        form("服务范围", "scope", wide=True),
        VALIDITY,
        ISSUER,
        ISSUED,
    ),
    "L035": layout(
        numbered("许可证编号"),
        name("单位名称"),
        form("住所", "premises"),
        form("法定代表人", "legal_representative"),
        form("注册资本（万元）", "capital"),
        fixed("许可经营事项", "劳务派遣业务"),
        VALIDITY,
        ISSUER,
        ISSUED,
    ),
    "L036": layout(
        numbered("许可证号"),
        name("名称"),
        form("住所", "premises"),
        form("法定代表人", "legal_representative"),
        form("主要负责人", "person_in_charge"),
        form("类别", "performance_kind"),
        form("经营范围", "scope", wide=True),
        VALIDITY,
        ISSUER,
        ISSUED,
    ),
    "L037": layout(
        numbered("许可证号"),
        name("名称"),
        form("地址", "premises"),
        form("法定代表人", "legal_representative"),
        form("主要负责人", "person_in_charge"),
        form("经营范围", "venue_kind"),
        form("包厢（房）数", "rooms"),
        form("使用面积（平方米）", "floor_area"),
        ISSUER,
        ISSUED,
    ),
    "L038": layout(
        numbered("许可证编号"),
        name("经营者名称"),
        form("法定代表人（负责人）", "person_in_charge"),
        form("住所", "premises"),
        form("营业场所", "shop_address"),
        form("仓储场所", "store_address"),
        form("经营范围", "pesticide_scope"),
        VALIDITY,
        ISSUER,
        ISSUED,
        border=GREEN,
    ),
    "L039": layout(
        numbered("许可证号"),
        name("单位名称"),
        form("经营地址", "premises"),
        form("企业负责人", "person_in_charge"),
        form("经营范围", "scope", wide=True),
        VALIDITY,
        ISSUER,
        ISSUED,
        border=GREEN,
    ),
    "L040": layout(
        numbered("许可证号"),
        name("诊疗机构名称"),
        form("法定代表人（负责人）", "person_in_charge"),
        form("从业地点", "premises"),
        form("诊疗活动范围", "clinic_scope"),
        form("执业兽医", "vets"),
        ISSUER,
        ISSUED,
        border=GREEN,
    ),
    "L041": layout(
        numbered("许可证编号"),
        name("生产经营者"),
        form("法定代表人（负责人）", "person_in_charge"),
        form("住所", "premises"),
        form("生产经营方式", "mode"),
        form("生产地点", "site"),
        form("有效区域", "area_served"),
        form("生产经营范围", "scope", wide=True),
        VALIDITY,
        ISSUER,
        ISSUED,
        border=GREEN,
    ),
    "L042": layout(
        NUMBER,
        name("建设单位（个人）"),
        form("建设项目名称", "project_name"),
        form("建设位置", "location"),
        form("建设规模（平方米）", "floor_area"),
        fixed("附图及附件名称", "建设工程规划许可证附图、附件"),
        ISSUER,
        ISSUED,
        notes=("本证是经自然资源主管部门依法审核，建设工程符合国土空间规划要求的法律凭证。",),
        border=GREEN,
    ),
    "L046": layout(
        form("号牌号码", "plate_number"),
        form("类型", "machine_type"),
        name("所有人"),
        form("住址", "address"),
        form("品牌型号", "model"),
        form("发动机号码", "engine_number"),
        form("底盘号/机架号", "frame_number"),
        NUMBER,
        FieldSpec("登记日期", "licence.issued_on"),
        ISSUER,
        border=BLUE,
    ),
    "L047": layout(
        numbered("核准证编号"),
        name("申请单位"),
        form("工程名称", "project_name"),
        form("工程地址", "location"),
        form("建筑垃圾种类", "waste_kind"),
        form("处置数量（立方米）", "volume"),
        form("运输单位", "carrier"),
        form("消纳场所", "disposal_site"),
        VALIDITY,
        FieldSpec("核准机关", "licence.issuer"),
        FieldSpec("核准日期", "licence.issued_on"),
    ),
    "L048": layout(
        FieldSpec("统一社会信用代码", "licence.uscc", key="51"),
        name("名称"),
        form("住所", "premises"),
        form("法定代表人", "legal_representative"),
        form("业务主管单位", "supervisor_unit"),
        form("活动地域", "area_served"),
        form("注册资金（万元）", "capital"),
        form("业务范围", "scope", wide=True),
        VALIDITY,
        FieldSpec("登记管理机关", "licence.issuer"),
        ISSUED,
        title="社会团体法人登记证书",
        orientation="landscape",
        columns=2,
    ),
    "L049": layout(
        numbered("许可证编号"),
        name("排水户名称"),
        form("法定代表人", "legal_representative"),
        form("排水户类型", "discharger_kind"),
        form("详细地址", "premises"),
        form("排水量（立方米/日）", "daily_volume"),
        form("排放口数量（个）", "outlets"),
        form("主要污染物", "pollutants", wide=True),
        VALIDITY,
        ISSUER,
        ISSUED,
        border=BLUE,
    ),
    "L050": layout(
        numbered("许可证号"),
        name("设置单位（个人）"),
        form("设置地点", "location"),
        form("设施形式", "facility_kind"),
        form("规格（长×宽，米）", "size"),
        form("数量（块）", "count"),
        form("广告内容", "content", wide=True),
        VALIDITY,
        ISSUER,
        ISSUED,
    ),
    "L052": layout(
        numbered("许可证号"),
        name("开发企业"),
        form("项目名称", "project_name"),
        form("房屋坐落", "location"),
        form("预售楼栋", "buildings"),
        form("预售面积（平方米）", "floor_area"),
        form("房屋用途", "use"),
        form("预售资金监管银行", "escrow_bank"),
        ISSUER,
        ISSUED,
        border=GOLD,
    ),
}


# —— the form fields the certificates read, per item (in addition to ``forms.FORMS``) ——


def text(key: str, label: str, limit: int = 100, *, required: bool = True) -> Input:
    return Input(key, label, max_length=limit, required=required)


def address(key: str, label: str) -> Input:
    return Input(key, label, kind="address", max_length=100)


def number(key: str, label: str, low: int = 0, high: int = 1_000_000) -> Input:
    return Input(key, label, kind="number", min=low, max=high)


def choice(key: str, label: str, *options: str) -> Input:
    return Input(key, label, kind="choice", choices=options)


def day(key: str, label: str) -> Input:
    return Input(key, label, kind="date")


def id_number(key: str, label: str) -> Input:
    return Input(key, label, kind="id_number")


PREMISES = address("premises", "住所（经营场所）")
IN_CHARGE = text("person_in_charge", "负责人", 30)
LEGAL = text("legal_representative", "法定代表人", 30)
SPOUSE = (text("spouse_name", "配偶姓名", 30), id_number("spouse_id_number", "配偶身份证号码"))
ESTATE = (
    choice("co_ownership", "共有情况", "单独所有", "共同共有", "按份共有"),
    address("location", "坐落"),
    text("unit_number", "不动产单元号", 28),
    choice("right_type", "权利类型", "国有建设用地使用权/房屋所有权", "宅基地使用权/房屋所有权"),
    choice("use", "用途", "住宅", "商业服务", "工业", "其他"),
    number("floor_area", "房屋建筑面积（平方米）", 1, 100000),
    text("term", "使用期限", 60),
)
COMPANY = (
    LEGAL,
    choice("company_type", "类型", "有限责任公司（自然人投资或控股）", "股份有限公司", "农民专业合作社"),
    PREMISES,
    number("capital", "注册资本（出资总额，万元）", 0, 10_000_000),
    text("scope", "经营范围", 300),
)
SHOP = (
    text("trade_name", "个体工商户名称", 50, required=False),
    choice("organisation", "组成形式", "个人经营", "家庭经营"),
    PREMISES,
    text("scope", "经营范围", 200),
)
LOW_INCOME = (
    address("household_address", "户籍地址"),
    number("household_size", "共同生活家庭成员人数", 1, 30),
    number("yearly_income", "家庭上年度总收入（元）", 0, 10_000_000),
    text("reason", "申请理由", 300),
    choice("bank", "开户银行", *BANKS),
    text("account", "银行账号", 25),
)

CERTIFICATE_FORMS: dict[str, tuple[Input, ...]] = {
    "结婚登记": SPOUSE,
    "补领婚姻登记证": SPOUSE,
    "企业设立登记": COMPANY,
    "企业变更登记": COMPANY,
    "农民专业合作社设立登记": COMPANY,
    "个体工商户变更登记": SHOP,
    "残疾人证核发与换领": (
        choice(
            "disability_category",
            "残疾类别",
            "视力残疾",
            "听力残疾",
            "言语残疾",
            "肢体残疾",
            "智力残疾",
            "精神残疾",
            "多重残疾",
        ),
        choice("disability_grade", "残疾等级", "一级", "二级", "三级", "四级"),
        address("household_address", "户籍地址"),
    ),
    "林木采伐许可证核发": (
        address("cutting_site", "采伐地点（县、乡、村、小班）"),
        text("forest_right_no", "林权证号（不动产权证号）", 40),
        text("tree_species", "树种", 40),
        choice("forest_category", "林种", "商品林（用材林）", "商品林（经济林）", "公益林"),
        choice("cutting_method", "采伐方式", "皆伐", "择伐", "渐伐", "抚育采伐", "更新采伐"),
        number("area", "采伐面积（亩）", 0, 10000),
        number("tree_count", "采伐株数", 1, 1_000_000),
        number("volume", "采伐蓄积（立方米）", 0, 100000),
        number("timber_volume", "出材量（立方米）", 0, 100000),
    ),
    "不动产首次登记（国有建设用地使用权及房屋所有权）": ESTATE,
    "不动产转移登记（存量房买卖）": ESTATE,
    "不动产变更登记": ESTATE,
    "宅基地使用权及房屋所有权首次登记": ESTATE,
    "食品经营许可证核发": (
        IN_CHARGE,
        PREMISES,
        choice("business_format", "主体业态", "食品销售经营者", "餐饮服务经营者", "单位食堂"),
        text("food_items", "经营项目", 200),
    ),
    "小餐饮登记": (
        text("trade_name", "店铺名称", 50),
        PREMISES,
        choice(
            "food_category", "经营类别", "热食类食品制售", "冷食类食品制售", "糕点类食品制售", "自制饮品制售"
        ),
        number("staff_count", "从业人员（人）", 1, 50),
    ),
    "乡村兽医登记许可": (
        address("practice_area", "从业区域（乡镇、村）"),
        text("qualification", "学历、专业", 60),
    ),
    "生育服务登记": (*SPOUSE, choice("child_order", "生育孩次", "第一个孩子", "第二个孩子", "第三个孩子")),
    "食品小作坊登记": (
        text("trade_name", "作坊名称", 50),
        PREMISES,
        text("products", "生产加工品种", 200),
    ),
    "就业创业证申领": (choice("employment_status", "就业失业状态", "就业", "失业", "自主创业"),),
    "独生子女父母光荣证发放": (
        text("father_name", "父亲姓名", 30),
        text("mother_name", "母亲姓名", 30),
        text("child_name", "子女姓名", 30),
        choice("child_gender", "子女性别", "男", "女"),
        day("child_birth", "子女出生日期"),
    ),
    "出版物零售单位设立审批": (IN_CHARGE, PREMISES, text("scope", "经营范围", 200)),
    "公共场所卫生许可": (
        IN_CHARGE,
        PREMISES,
        choice(
            "venue_kind",
            "许可项目",
            "住宿场所",
            "沐浴场所",
            "美容美发场所",
            "游泳场所",
            "商场（超市）",
            "文化娱乐场所",
        ),
        number("floor_area", "营业面积（平方米）", 1, 100000),
    ),
    "乡村建设规划许可证核发": (
        text("project_name", "建设项目名称", 60),
        address("location", "建设位置"),
        number("floor_area", "建设规模（平方米）", 1, 100000),
        number("storeys", "层数", 1, 10),
    ),
    "农村村民宅基地审批": (
        number("household_size", "家庭人口（人）", 1, 30),
        address("location", "宅基地坐落"),
        number("land_area", "申请用地面积（平方米）", 1, 300),
        number("house_area", "其中房基占地（平方米）", 1, 300),
        text("boundaries", "四至（东、南、西、北）", 120),
    ),
    "流动人口婚育证明出具": (
        choice("marital_status", "婚姻状况", "未婚", "初婚", "再婚", "离婚", "丧偶"),
        address("current_address", "现居住地"),
    ),
    "特困人员救助供养审批": (
        choice("support_mode", "供养方式", "分散供养", "集中供养"),
        number("monthly_amount", "基本生活标准（元/月）", 0, 10000),
    ),
    "城市居民最低生活保障审批": LOW_INCOME,
    "医疗机构执业登记": (
        PREMISES,
        LEGAL,
        IN_CHARGE,
        choice("ownership", "所有制形式", "私有", "集体", "全民", "股份制"),
        choice("institution_kind", "医疗机构类别", "诊所", "门诊部", "卫生院", "社区卫生服务站", "医院"),
        number("beds", "床位（张）", 0, 5000),
        text("departments", "诊疗科目", 200),
    ),
    "建筑工程施工许可证核发": (
        text("project_name", "工程名称", 60),
        address("location", "建设地址"),
        number("floor_area", "建设规模（平方米）", 1, 10_000_000),
        number("contract_price", "合同价格（万元）", 0, 10_000_000),
        text("design_unit", "设计单位", 60),
        text("builder", "施工单位", 60),
        text("supervisor", "监理单位", 60),
        text("duration", "合同工期", 40),
    ),
    "药品零售企业经营许可": (
        PREMISES,
        LEGAL,
        IN_CHARGE,
        text("quality_manager", "质量负责人", 30),
        text("scope", "经营范围", 200),
    ),
    "不动产抵押登记": (
        text("mortgagee", "抵押权人", 60),
        address("location", "坐落"),
        text("unit_number", "不动产单元号", 28),
        number("secured_amount", "被担保主债权数额（万元）", 0, 10_000_000),
        text("term", "债务履行期限", 60),
    ),
    "道路货物运输经营许可": (IN_CHARGE, PREMISES, text("scope", "经营范围", 200)),
    "取水许可": (
        address("location", "取水地点"),
        choice("method", "取水方式（水源类型）", "地下水", "地表水"),
        number("yearly_volume", "取水量（万立方米/年）", 0, 100000),
        choice("purpose", "取水用途", "生活", "工业", "农业灌溉", "其他"),
        address("return_location", "退水地点"),
    ),
    "烟花爆竹经营（零售）许可": (IN_CHARGE, PREMISES, number("storage_limit", "限制存放量（箱）", 1, 1000)),
    "人力资源服务许可": (LEGAL, PREMISES, text("scope", "服务范围", 200)),
    "劳务派遣经营许可": (PREMISES, LEGAL, number("capital", "注册资本（万元）", 200, 10_000_000)),
    "营业性演出许可": (
        PREMISES,
        LEGAL,
        IN_CHARGE,
        choice("performance_kind", "类别", "演出经纪机构", "文艺表演团体"),
        text("scope", "经营范围", 200),
    ),
    "娱乐场所经营许可": (
        PREMISES,
        LEGAL,
        IN_CHARGE,
        choice("venue_kind", "经营范围", "歌舞娱乐场所", "游艺娱乐场所"),
        number("rooms", "包厢（房）数", 0, 500),
        number("floor_area", "使用面积（平方米）", 1, 100000),
    ),
    "农药经营许可": (
        IN_CHARGE,
        PREMISES,
        address("shop_address", "营业场所"),
        address("store_address", "仓储场所"),
        choice("pesticide_scope", "经营范围", "农药（限制使用农药除外）", "农药（含限制使用农药）"),
    ),
    "兽药经营许可": (PREMISES, IN_CHARGE, text("scope", "经营范围", 200)),
    "动物诊疗许可": (
        IN_CHARGE,
        PREMISES,
        choice("clinic_scope", "诊疗活动范围", "动物颅腔、胸腔和腹腔手术以外的诊疗活动", "全部动物诊疗活动"),
        text("vets", "执业兽医", 100),
    ),
    "林草种子生产经营许可证核发": (
        IN_CHARGE,
        PREMISES,
        choice("mode", "生产经营方式", "生产经营", "经营"),
        address("site", "生产地点"),
        text("area_served", "有效区域", 60),
        text("scope", "生产经营范围（种类）", 200),
    ),
    "建设工程规划许可证核发": (
        text("project_name", "建设项目名称", 60),
        address("location", "建设位置"),
        number("floor_area", "建设规模（平方米）", 1, 10_000_000),
    ),
    "拖拉机和联合收割机登记": (
        text("plate_number", "号牌号码", 12),
        choice(
            "machine_type",
            "类型",
            "轮式拖拉机",
            "手扶拖拉机",
            "履带式拖拉机",
            "轮式联合收割机",
            "履带式联合收割机",
        ),
        address("address", "住址"),
        text("model", "品牌型号", 40),
        text("engine_number", "发动机号码", 30),
        text("frame_number", "底盘号/机架号", 30),
    ),
    "城市建筑垃圾处置核准": (
        text("project_name", "工程名称", 60),
        address("location", "工程地址"),
        choice("waste_kind", "建筑垃圾种类", "工程渣土", "工程泥浆", "拆除垃圾", "装修垃圾"),
        number("volume", "处置数量（立方米）", 1, 10_000_000),
        text("carrier", "运输单位", 60),
        address("disposal_site", "消纳场所"),
    ),
    "社会团体成立登记": (
        PREMISES,
        LEGAL,
        text("supervisor_unit", "业务主管单位", 60),
        text("area_served", "活动地域", 60),
        number("capital", "注册资金（万元）", 0, 10_000_000),
        text("scope", "业务范围", 200),
    ),
    "城镇污水排入排水管网许可": (
        LEGAL,
        choice("discharger_kind", "排水户类型", "一般排水户", "重点排水户"),
        PREMISES,
        number("daily_volume", "排水量（立方米/日）", 0, 1_000_000),
        number("outlets", "排放口数量（个）", 1, 50),
        text("pollutants", "主要污染物", 100),
    ),
    "户外广告设施设置审批": (
        address("location", "设置地点"),
        choice("facility_kind", "设施形式", "单立柱", "墙面", "屋顶", "招牌", "其他"),
        text("size", "规格（长×宽，米）", 30),
        number("count", "数量（块）", 1, 100),
        text("content", "广告内容", 200),
    ),
    "商品房预售许可": (
        text("project_name", "项目名称", 60),
        address("location", "房屋坐落"),
        text("buildings", "预售楼栋", 60),
        number("floor_area", "预售面积（平方米）", 1, 10_000_000),
        choice("use", "房屋用途", "住宅", "商业", "办公", "其他"),
        text("escrow_bank", "预售资金监管银行", 60),
    ),
}
