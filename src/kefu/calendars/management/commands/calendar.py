"""``kefu calendar``: load a year's holidays, show a year, make sure the built-ins exist."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kefu.calendars import selectors, services
from kefu.calendars.models import WorkCalendar
from kefu.calendars.seeding import STANDARD_CODE, package_years


class Command(BaseCommand):
    help = (
        "Working calendars. load-year YEAR: load the State Council holidays of YEAR from "
        "chinese-calendar; show YEAR: print the holidays and make-up days; ensure: create "
        "the built-in calendars and load every year the package knows."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load-year", help="load a year from chinese-calendar")
        load.add_argument("year", type=int)
        load.add_argument("--calendar", default=STANDARD_CODE, help="calendar code")
        load.add_argument("--all", action="store_true", help="every active calendar")
        show = sub.add_parser("show", help="print a year's holidays and make-up days")
        show.add_argument("year", type=int)
        show.add_argument("--calendar", default=STANDARD_CODE, help="calendar code")
        show.add_argument("--all-days", action="store_true", help="every date, not only changes")
        sub.add_parser("ensure", help="create the built-in calendars, load known years")

    def _calendar(self, code: str) -> WorkCalendar:
        calendar = WorkCalendar.objects.filter(code=code).first()
        if calendar is None:
            known = ", ".join(WorkCalendar.objects.values_list("code", flat=True)) or "—"
            raise CommandError(f"没有代码为 {code} 的工作日历（现有：{known}）。")
        return calendar

    def handle(self, *args, action, **options):
        if action == "ensure":
            created = services.calendars_ensure()
            self.stdout.write(
                f"内置日历已就绪：新建日历 {created['calendars']} 个，"
                f"载入年份 {created['years']} 个，"
                f"节假日/调休 {created['days']} 天。"
            )
            return
        year = options["year"]
        if action == "load-year":
            if options["all"]:
                calendars = list(WorkCalendar.objects.filter(is_active=True, always_open=False))
            else:
                calendars = [self._calendar(options["calendar"])]
            if year not in package_years():
                raise CommandError(
                    f"已安装的 chinese-calendar 还没有 {year} 年的放假安排（它知道 "
                    f"{min(package_years())}–{max(package_years())} 年）。请在“工作日历”页面"
                    f"逐日添加 {year} 年的节假日和调休上班日，再点“标记 {year} 年已载入”；"
                    f"或升级 chinese-calendar 后重试。"
                )
            for calendar in calendars:
                try:
                    services.calendar_load_year(calendar=calendar, year=year)
                except ValidationError as exc:
                    raise CommandError("；".join(exc.messages)) from None
                days = calendar.days.filter(date__year=year).count()
                self.stdout.write(
                    f"{calendar.name}（{calendar.code}）：{year} 年已载入，{days} 个节假日/调休日。"
                )
            return
        calendar = self._calendar(options["calendar"])
        loaded = calendar.loaded_years.filter(year=year).exists()
        self.stdout.write(
            f"{calendar.name}（{calendar.code}）{year} 年："
            + ("已载入" if loaded else "未载入，时限为暂定")
        )
        for day in selectors.year_days(calendar, year):
            if options["all_days"] or day["name"]:
                source = f"（{day['source_display']}）" if day["source_display"] else ""
                self.stdout.write(
                    f"{day['date'].isoformat()}  {day['kind_display']:<6} {day['name']}{source}"
                )
