"""The bureau's documents, one builder per document, from the case store only:

| name | 中文 | built from | who |
|---|---|---|---|
| recovery-notice | 冒领社会保险待遇追缴通知书 (第二十九条) | a Demand of notice_kind 'recovery' | issued by a handler; read, township scope |
| return-notice | 社会保险待遇返还通知书 (第二十八条) | a Demand of notice_kind 'return' | issued by a handler; read, township scope |
| deregistration-notice | 申请注销登记告知书 (第十九条) | a case with death / nationality / other_pension findings | issued by a handler; read, township scope |
| benefit-notice | 城乡居民基本养老保险待遇领取告知书 (第二十一条) | benefit_starts: records 正常待遇 whose 待遇享受年月 is that month | issued by a handler; read, township scope |
| suspension-list | 待遇暂停名单 | payroll holds starting that month | payroll |
| resumption-list | 待遇恢复名单 | holds ended by a resumption that month, with the back pay | payroll |
| inspection-summary | 稽核情况月报 | findings with an event by the end of the month; demands and repayments by then | read, township scope |
| certification-report | 资格认证报告书 (第二十六条) | certification_status of the year and township | read, township scope |
| accountability-report | 乡镇问责报告 (第三十一条) | accountability_* (published); demands, repayments, referrals | hr_bureau, inspector, reviewer, admin |

The four notices carry a 文号 (GB/T 9704's form, 松社保追字〔2026〕1号): they are issued
(`issuance.issue`), once, by a named user, and their bytes kept; afterwards they are given out
as issued, until voided (作废: the number stays spent, a new issue replaces it). Lists and
reports are made on request; the accountability report can also be issued with a 文号. A role that may not have a kind of document at all gets 403; a township officer asking
for another township's document gets 404: for them it does not exist. `user=None` is the
command line, which may read everything.

ID numbers are masked (1504**********1234) on every PDF: each one leaves the bureau. Only the
XLSX of the suspension and resumption lists, which the payment system imports inside the
bureau, carry them in full, as the payroll hold list does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    is_list: bool  # a list or report: also as XLSX, made on request
    numbered: bool  # a notice with a 文号: issued once, then given out as issued


KINDS = {
    k.name: k
    for k in (
        Kind("recovery-notice", "冒领社会保险待遇追缴通知书", False, True),
        Kind("return-notice", "社会保险待遇返还通知书", False, True),
        Kind("deregistration-notice", "申请注销登记告知书", False, True),
        Kind("benefit-notice", "城乡居民基本养老保险待遇领取告知书", False, True),
        Kind("suspension-list", "待遇暂停名单", True, False),
        Kind("resumption-list", "待遇恢复名单", True, False),
        Kind("inspection-summary", "稽核情况月报", True, False),
        Kind("certification-report", "资格认证报告书", True, False),
        Kind("accountability-report", "乡镇问责报告", True, False),
    )
}
