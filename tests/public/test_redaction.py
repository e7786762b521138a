"""Removing personal data before publication: what is found, what is left alone."""

from __future__ import annotations

import pytest

from hub.public.redaction import findings, pseudonym, redact


@pytest.mark.parametrize(("text", "expected"), [
    ("身份证号53310319800101123X。", "身份证号〔身份证号已隐去〕。"),
    ("身份证533103198001011234", "身份证〔身份证号已隐去〕"),
    ("老身份证533103800101123", "老身份证〔身份证号已隐去〕"),
    ("电话13812345678", "电话〔电话已隐去〕"),
    ("电话 138-1234-5678，", "电话 〔电话已隐去〕，"),
    ("电话 138 1234 5678", "电话 〔电话已隐去〕"),
    ("电话+86 13812345678", "电话〔电话已隐去〕"),
    ("座机0692-2123456", "座机〔电话已隐去〕"),
    ("座机（0692）2123456", "座机〔电话已隐去〕"),
    ("卡号6222021234567890123", "卡号〔号码已隐去〕"),
    ("邮箱 zhang.san@example.com。", "邮箱 〔邮箱已隐去〕。"),
    ("住团结路18号2栋3单元402室", "住团结路〔门牌号已隐去〕"),
    ("住幸福小区5号楼", "住幸福小区〔门牌号已隐去〕"),
    ("住老街8弄", "住老街〔门牌号已隐去〕"),
])
def test_numbers_and_addresses_are_replaced(text, expected):
    assert redact(text).text == expected


@pytest.mark.parametrize("text", [
    "2025年5月12号到村委会反映",  # a date
    "依据云政发〔2023〕12号文件",  # a document number
    "国务院令第431号",
    "12号文件要求",
    "共建成12栋安置房，涉及5户村民",  # counts, not addresses
    "拖欠工资1.8万元，共120天",
    "案件编号DH2026000123",
    "12345热线",
])
def test_what_is_not_personal_data_stays(text):
    assert redact(text).text == text


def test_petitioners_names_become_surname_and_mou():
    result = redact("段明华反映：段明华家的承包地被占。欧阳明华也在场。", ["段明华", "欧阳明华"])
    assert result.text == "段某反映：段某家的承包地被占。欧阳某也在场。"
    assert [f.kind for f in result.findings] == ["name"] * 3
    assert pseudonym("欧阳明华") == "欧阳某" and pseudonym("李四") == "李某"


def test_names_introduced_as_names_are_guessed():
    text = "我叫张建国，本人李四反映，联系人：王小明。信访人岳小兰称。"
    assert redact(text).text == "我叫张某，本人李某反映，联系人：王某。信访人岳某称。"


def test_the_guess_leaves_ordinary_words_and_pseudonyms_alone():
    for text in ("本人于去年5月反映", "信访人反映情况属实", "信访人李某某反映", "我叫李某，"):
        assert redact(text).text == text


def test_the_check_before_publication_ignores_the_guess_but_not_the_rules():
    assert findings("本人王府井大街") == []  # a guess is the officer's to judge
    assert [f.kind for f in findings("电话13812345678，段明华", ["段明华"])] == ["phone", "name"]
    assert findings(redact("电话13812345678，段明华", ["段明华"]).text, ["段明华"]) == []
