import re, glob
zh = {
"Acceptable": "基本满意",
"After you submit, the application goes to one window; you will get a receipt with your case number.": "提交后，申请统一送到一个窗口办理；您将拿到带办件编号的回执。",
"All": "全部",
"Are you still there?": "您还在吗？",
"Back": "返回",
"Bring these; you will lay each on the camera shortly ({})": "请准备以下材料，稍后逐份放在拍摄区（{}）",
"Capture": "拍摄",
"Case number {} · results due by {}": "办件编号 {} · 预计 {} 前办结",
"Cases submitted at this kiosk with your ID card": "您用本人身份证在本机提交的办件",
"Check and submit": "核对并提交",
"Choose one thing. We combine every licence and form it needs into one visit.": "选一件事，所需的证照和表格合并办理，只跑一次。",
"Clear and sign again": "清除重签",
"Confirm": "确认",
"Delete": "删除",
"Write one character in the box": "在框内写一个字",
"Type pinyin, then tap the words you mean": "输入拼音，再点选您要的字词",
"Undo stroke": "撤销一笔",
"No match: delete a letter and try again": "没有匹配的字，请删去一个字母再试",
"Pinyin": "拼音",
"Handwriting": "手写",
"Clear": "清除",
"Year": "年",
"Month": "月",
"Day": "日",
"Search": "搜索",
"Type a word, e.g. shop, baby, house…": "输入关键词，如 饭店、生育、建房…",
"Nothing found. Try another word, or choose a category.": "没有找到。请换个词，或按分类查找。",
"Done with this entry": "完成此项",
"Departments": "涉及部门",
"Dissatisfied": "不满意",
"Elderly mode": "长辈模式",
"Finish": "完成",
"For your privacy, this screen will be cleared in {} seconds.": "为保护您的隐私，屏幕将在 {} 秒后清空。",
"How was this service?": "请为本次服务评价",
"I am still here": "我还在，继续办理",
"I have a passport or travel permit instead": "使用护照或通行证",
"Material {} of {}: lay each page flat under the camera, then tap Capture.": "第 {} 份，共 {} 份：请将每一页平放在拍摄区，然后点“拍摄”。",
"Materials": "申请材料",
"My cases": "我的办件",
"My cases: check progress, reprint a receipt": "我的办件：查进度、补打回执",
"Next": "下一步",
"Next: check and submit": "下一步：核对并提交",
"Next: identify yourself": "下一步：核验身份",
"Next: scan materials": "下一步：拍摄材料",
"No cases from this ID card at this kiosk.": "本机没有该身份证提交的办件。",
"One form": "一张表",
"Only what your application needs. Check what was filled in; complete the rest.": "只填这次需要的内容。请核对已读取的信息，补全其余各项。",
"Opening a shop, a newborn, building a house: tell us the one thing you want to do. We prepare every licence and form it needs, for one visit.": "开店、生娃、建房……告诉我们您要办的一件事，所需证照和表格一并备好，只跑一次。",
"Page {}": "第 {} 页",
"Photograph this QR code to track your case. You can reprint the receipt later under My cases.": "请用手机拍下此二维码查询进度；之后可在“我的办件”补打回执。",
"Place your ID card on the reader": "请将身份证放在读卡区",
"Place the card flat on the reader below the screen": "请将身份证平放在屏幕下方的读卡区",
"Place your ID card on the reader to see your cases": "请将身份证放在读卡区，查看您的办件",
"Place your ID card on the reader, or touch the screen to start": "请放置身份证，或轻触屏幕开始",
"Question {} of {}": "第 {} 题，共 {} 题",
"Reprint receipt": "补打回执",
"Retake last page": "重拍上一页",
"Satisfied": "满意",
"Sign here": "请在此签名",
"Sign with your finger": "请用手指签名",
"Simulation: F2 place a sample ID card · F3 remove it · F4 unplug/replug the reader · F5 next page under the camera · F6 printer paper out/in · F7 someone walks up": "模拟模式：F2 放置样例身份证 · F3 取走 · F4 拔出/插回读卡器 · F5 拍摄区换下一页 · F6 打印机缺纸/装纸 · F7 有人走近",
"Space": "空格",
"Start": "开始办理",
"Submit": "提交",
"Submitted": "已提交",
"Submitting…": "正在提交…",
"Take your ID card and receipt. Your details have been cleared from this screen.": "请取走身份证和回执。您的信息已从本机屏幕清除。",
"Tell us what went wrong (optional):": "请告诉我们哪里不满意（可不填）：",
"Thank you": "谢谢您",
"The ID number is checked as you type (18 characters; the last may be X).": "身份证号码会自动校验（18位，最后一位可能是X）。",
"This material is done": "这份材料拍完了",
"Try printing again": "重新打印",
"Type my name and ID number instead": "手动输入姓名和身份证号",
"Type your name and ID number": "请输入姓名和身份证号码",
"Very dissatisfied": "非常不满意",
"Very satisfied": "非常满意",
"What would you like to do?": "您想办什么事？",
"Working days": "办理时限（工作日）",
"You do not need these ({})": "以下材料您无需提供（{}）",
"Your details fill in the form for you. Nothing is kept after you finish.": "读取的信息会自动填入表格，办完后不在本机保留。",
"Your one set of materials": "您只需准备这一套材料",
"Your rating goes to the county's service evaluation (好差评).": "您的评价将计入政务服务“好差评”。",
"Your signature confirms that what you entered is true.": "签名即确认您填写的内容真实有效。",
"from your ID card": "已从身份证读取",
"{} → 1 window": "{} 个 → 1 个窗口",
"🔊 Read aloud": "🔊 朗读",
}
entries = []
seen = set()
for f in sorted(glob.glob('ui/**/*.slint', recursive=True)):
    ctx = None
    for line in open(f, encoding='utf-8'):
        m = re.match(r'\s*(?:export\s+)?component\s+([\w-]+)', line)
        if m: ctx = m.group(1)
        for mid in re.findall(r'@tr\("((?:[^"\\]|\\.)*)"', line):
            key = (ctx, mid)
            if key in seen: continue
            seen.add(key)
            if mid not in zh:
                raise SystemExit(f"no translation for {mid!r}")
            entries.append((ctx, mid, zh[mid]))
out = ['# Chinese (Simplified) translation of the OneVisit kiosk UI.',
 '# Slint gives each string the component it appears in as its context; scripts/update-po.py',
 '# regenerates this file from the .slint sources and its table of translations.',
 'msgid ""', 'msgstr ""', '"Project-Id-Version: onevisit\\n"', '"Language: zh_CN\\n"', '"MIME-Version: 1.0\\n"',
 '"Content-Type: text/plain; charset=UTF-8\\n"', '"Content-Transfer-Encoding: 8bit\\n"', '"Plural-Forms: nplurals=1; plural=0;\\n"', '']
for ctx, mid, tr in entries:
    out += [f'msgctxt "{ctx}"', f'msgid "{mid}"', f'msgstr "{tr}"', '']
open('ui/translations/zh_CN/LC_MESSAGES/onevisit.po','w',encoding='utf-8').write('\n'.join(out))
print(len(entries), "entries")
