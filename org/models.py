from django.conf import settings
from django.db import models
from django.utils import timezone


class AgencyKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", "党委"
    GOVERNMENT = "government", "政府"
    DEPARTMENT = "department", "部门"
    BUREAU = "bureau", "二级局"
    ENTERPRISE = "enterprise", "企业"
    SUPERIOR = "superior", "上级机关"
    OTHER = "other", "其他"


class AgencyLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"


class Agency(models.Model):
    """An agency (机关): the city Party committee, the government, a department, a bureau,
    an enterprise, or a superior agency that sends us documents. ``is_internal`` agencies
    use this deployment; external ones appear only as senders and recipients."""

    name = models.CharField("机关名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=40)
    code = models.CharField("机关代字", max_length=20, blank=True)
    level = models.CharField("层级", max_length=20, choices=AgencyLevel.choices, default=AgencyLevel.CITY)
    kind = models.CharField("类别", max_length=20, choices=AgencyKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name="上级主管机关")
    is_internal = models.BooleanField("使用本系统", default=True)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = verbose_name_plural = "机关"

    def __str__(self):
        return self.name

    @property
    def is_top_level_city_organ(self) -> bool:
        """The city Party committee or government (市委/市政府) themselves."""
        return self.kind in (AgencyKind.PARTY_COMMITTEE, AgencyKind.GOVERNMENT)


class Unit(models.Model):
    """An internal unit of an agency (处室/科室). One unit of each agency is its office
    (办公室), and one its secretariat (秘书科/文电处), which screens and proposes."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units", verbose_name="机关")
    name = models.CharField("名称", max_length=60)
    short_name = models.CharField("简称", max_length=30, blank=True)
    is_office = models.BooleanField("是办公室", default=False)
    is_secretariat = models.BooleanField("是秘书科（文电处）", default=False)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        ordering = ["agency", "sort_order", "id"]
        verbose_name = verbose_name_plural = "处室"
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="unit_unique_name")]

    def __str__(self):
        return self.name


class Clearance(models.TextChoices):
    NONE = "", "无"
    SECRET = "秘密", "秘密"
    CONFIDENTIAL = "机密", "机密"
    TOP_SECRET = "绝密", "绝密"


CLEARANCE_RANK = {"": 0, "秘密": 1, "机密": 2, "绝密": 3}


class AdminRole(models.TextChoices):
    """The three separated administrators (三员). One field, so nobody holds two."""

    NONE = "", "无"
    SYSTEM = "system", "系统管理员"
    SECURITY = "security", "安全保密管理员"
    AUDITOR = "auditor", "安全审计员"


class Person(models.Model):
    """A person working in an agency, with a login account (人员)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="person")
    name = models.CharField("姓名", max_length=40)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="people", verbose_name="机关")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="people",
                             verbose_name="处室")
    title = models.CharField("职务", max_length=40, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)
    clearance = models.CharField("涉密等级", max_length=4, choices=Clearance.choices, blank=True, default="")
    admin_role = models.CharField("管理员角色", max_length=10, choices=AdminRole.choices, blank=True, default="")
    is_active = models.BooleanField("在岗", default=True)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        ordering = ["agency", "sort_order", "id"]
        verbose_name = verbose_name_plural = "人员"

    def __str__(self):
        return self.name

    @property
    def is_admin(self) -> bool:
        return bool(self.admin_role)


class PostKind(models.TextChoices):
    PRINCIPAL_LEADER = "principal_leader", "主要领导"
    LEADER_IN_CHARGE = "leader_in_charge", "分管领导"
    OFFICE_DIRECTOR = "office_director", "办公室主任"
    CLERK = "clerk", "文书"
    SECRETARY = "secretary", "秘书"
    DIVISION_HEAD = "division_head", "处长"
    HANDLER = "handler", "承办人"
    SUPERVISOR = "supervisor", "督查员"
    SEAL_KEEPER = "seal_keeper", "印章管理员"
    CONFIDENTIAL_CLERK = "confidential_clerk", "机要员"
    ARCHIVIST = "archivist", "档案员"
    DUTY_OFFICER = "duty_officer", "值班员"


LEADER_POSTS = (PostKind.PRINCIPAL_LEADER, PostKind.LEADER_IN_CHARGE)
OFFICE_POSTS = (PostKind.OFFICE_DIRECTOR, PostKind.CLERK, PostKind.SECRETARY, PostKind.CONFIDENTIAL_CLERK)


class Post(models.Model):
    """A post a person holds (岗位). A 分管领导 post lists the units the leader is in charge
    of; a 处长 post names the unit it heads."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="posts", verbose_name="人员")
    kind = models.CharField("岗位", max_length=30, choices=PostKind.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="posts", verbose_name="机关")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="posts",
                             verbose_name="所在处室")
    units_in_charge = models.ManyToManyField(Unit, blank=True, related_name="leaders_in_charge",
                                             verbose_name="分管处室")

    class Meta:
        verbose_name = verbose_name_plural = "岗位"
        constraints = [models.UniqueConstraint(fields=["person", "kind", "unit"], name="post_unique")]

    def __str__(self):
        return f"{self.person.name}（{self.get_kind_display()}）"


class Delegation(models.Model):
    """A standing stand-in during an absence (委托/AB角): while active, ``to_person`` may
    act on ``from_person``'s tasks; history records who acted for whom."""

    from_person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="delegations_given",
                                    verbose_name="委托人")
    to_person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="delegations_received",
                                  verbose_name="受托人（B角）")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    reason = models.CharField("事由", max_length=200, blank=True)
    # Who set it: the delegator, or the office director with the delegator's consent recorded
    # (never an administrator, 三员分立).
    arranged_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="设置人")
    consent = models.CharField("委托人同意记录", max_length=200, blank=True)
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = verbose_name_plural = "委托"

    def __str__(self):
        return f"{self.from_person} → {self.to_person}"

    def is_active_at(self, when) -> bool:
        return self.cancelled_at is None and self.starts_at <= when < self.ends_at


class DutyShift(models.Model):
    """A duty shift (值班): who is on duty for an agency from ``starts_at`` to ``ends_at``.

    On a non-working day (weekends and holidays, not make-up workdays) a 特急 or 特提
    document, or an emergency report, that enters the agency goes to whoever is on duty as
    well as to its normal holder (a 值班知悉 copy, ``org.duty``). The person holds the 值班员
    post, or is a leader (带班领导) or office staff (办公室人员) of the agency. Shifts are
    planned by the office; a shift that has ended stays as the record of who was on duty."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="duty_shifts", verbose_name="机关")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="duty_shifts", verbose_name="值班人员")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="排班人")
    created_at = models.DateTimeField("排班时间", default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = verbose_name_plural = "值班"
        indexes = [
            models.Index(fields=["agency", "starts_at", "ends_at"], name="duty_agency_time"),
            models.Index(fields=["person", "starts_at"], name="duty_person_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="duty_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.person.name}（{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}起）"


class PasswordRecord(models.Model):
    """A password set on an account (口令记录): one row each time Gongwen sets a password,
    by its owner (修改密码) or by the system administrator (重置密码). It keeps the hash, for
    "not one of the last five" (org.passwords), when, and whether the owner set it: a
    password the owner did not set himself must be changed at the next login, and one the
    owner set is changed again after ``PASSWORD_MAX_AGE_DAYS``. Only the newest rows are kept
    (``PASSWORD_HISTORY_DEPTH``); the audit log keeps every change."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_records",
                             verbose_name="账号")
    password_hash = models.CharField("口令摘要", max_length=256)
    set_at = models.DateTimeField("设置时间", default=timezone.now)
    by_owner = models.BooleanField("本人设置", default=False)
    set_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="设置人")
    # A reset by the system administrator is split knowledge (三员相互制约): the initial
    # password is what the system administrator typed followed by a second part the system
    # drew, which the security administrator is shown once, to hand to the person. Neither
    # administrator alone knows the password, so neither can sign in as the person. The part
    # is kept only until shown, or until the account's password changes again.
    second_part = models.CharField("第二段（待安全保密管理员查看）", max_length=16, blank=True)
    second_part_shown_at = models.DateTimeField("第二段查看时间", null=True, blank=True)
    second_part_shown_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                             verbose_name="第二段查看人")

    class Meta:
        ordering = ["-set_at", "-id"]
        verbose_name = verbose_name_plural = "口令记录"
        indexes = [models.Index(fields=["user", "set_at"], name="password_record_user_time")]

    def __str__(self):
        return f"{self.user_id}（{timezone.localtime(self.set_at):%Y-%m-%d %H:%M}）"
