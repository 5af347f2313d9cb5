"""What a digest says, in each language a person can read it in, and dates as each writes them.

Every language has every phrase (a test checks it), so a digest is never
half translated. Dates are written out (`3 June 2024`, `3 de junio de
2024`, `3 de junho de 2024`, `1er juin 2024`), never as numbers that each
country reads differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from events.digests import Frequency, Language
from events.reminders import ReminderRule


@dataclass(frozen=True)
class Phrases:
    months: tuple[str, ...]
    date_format: str
    """`{day} {month} {year}`, in the language's order."""
    subject: str
    greeting: str
    greeting_anonymous: str
    intro: str
    overdue: str
    week: str
    month: str
    later: str
    actions: dict[ReminderRule, str]
    open: str
    frequencies: dict[Frequency, str]
    settings: str
    first: str = "1"
    """How the first day of a month is written (`1er` in French)."""

    def day(self, value: date) -> str:
        day = self.first if value.day == 1 else str(value.day)
        return self.date_format.format(day=day, month=self.months[value.month - 1], year=value.year)


def _months(names: str) -> tuple[str, ...]:
    months = tuple(names.split())
    assert len(months) == 12
    return months


PHRASES: dict[Language, Phrases] = {
    Language.EN: Phrases(
        months=_months(
            "January February March April May June July August September October November December"
        ),
        date_format="{day} {month} {year}",
        subject="Agreement reminders for {date}",
        greeting="Hello {name},",
        greeting_anonymous="Hello,",
        intro="These agreements have dates that need your attention.",
        overdue="Overdue",
        week="This week",
        month="This month",
        later="Later",
        actions={
            ReminderRule.ANNIVERSARY: "Anniversary of the signature: a moment to review the"
            " cooperation.",
            ReminderRule.EXPIRY: "It expires: decide whether to renew it or let it end.",
            ReminderRule.NOTICE_DEADLINE: "Last day to give notice of non-renewal: give"
            " notice, or it renews automatically.",
            ReminderRule.FOLLOW_UP: "Follow-up due: carry it out and record its outcome.",
        },
        open="Open the agreement",
        frequencies={
            Frequency.DAILY: "You receive this digest every day.",
            Frequency.WEEKLY: "You receive this digest every week.",
        },
        settings="To change how often you receive it, or to stop it:",
    ),
    Language.ES: Phrases(
        months=_months(
            "enero febrero marzo abril mayo junio "
            "julio agosto septiembre octubre noviembre diciembre"
        ),
        date_format="{day} de {month} de {year}",
        subject="Recordatorios de convenios del {date}",
        greeting="Hola, {name}:",
        greeting_anonymous="Hola:",
        intro="Estos convenios tienen fechas que requieren su atención.",
        overdue="Vencidos",
        week="Esta semana",
        month="Este mes",
        later="Más adelante",
        actions={
            ReminderRule.ANNIVERSARY: "Aniversario de la firma: un buen momento para revisar"
            " la cooperación.",
            ReminderRule.EXPIRY: "Vence: decida si renovarlo o dejar que termine.",
            ReminderRule.NOTICE_DEADLINE: "Último día para notificar la no renovación:"
            " notifíquela, o se renovará automáticamente.",
            ReminderRule.FOLLOW_UP: "Seguimiento pendiente: realícelo y registre su resultado.",
        },
        open="Abrir el convenio",
        frequencies={
            Frequency.DAILY: "Recibe este resumen cada día.",
            Frequency.WEEKLY: "Recibe este resumen cada semana.",
        },
        settings="Para cambiar la frecuencia o dejar de recibirlo:",
    ),
    Language.PT: Phrases(
        months=_months(
            "janeiro fevereiro março abril maio junho "
            "julho agosto setembro outubro novembro dezembro"
        ),
        date_format="{day} de {month} de {year}",
        subject="Lembretes de acordos de {date}",
        greeting="Olá, {name},",
        greeting_anonymous="Olá,",
        intro="Estes acordos têm datas que precisam da sua atenção.",
        overdue="Atrasados",
        week="Esta semana",
        month="Este mês",
        later="Mais adiante",
        actions={
            ReminderRule.ANNIVERSARY: "Aniversário da assinatura: um bom momento para rever a"
            " cooperação.",
            ReminderRule.EXPIRY: "Expira: decida se deve renová-lo ou deixá-lo terminar.",
            ReminderRule.NOTICE_DEADLINE: "Último dia para notificar a não renovação:"
            " notifique, ou ele será renovado automaticamente.",
            ReminderRule.FOLLOW_UP: "Acompanhamento pendente: realize-o e registre o resultado.",
        },
        open="Abrir o acordo",
        frequencies={
            Frequency.DAILY: "Você recebe este resumo todos os dias.",
            Frequency.WEEKLY: "Você recebe este resumo toda semana.",
        },
        settings="Para mudar a frequência ou deixar de recebê-lo:",
    ),
    Language.FR: Phrases(
        months=_months(
            "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
        ),
        date_format="{day} {month} {year}",
        subject="Rappels des accords du {date}",
        greeting="Bonjour {name},",
        greeting_anonymous="Bonjour,",
        intro="Ces accords ont des dates qui demandent votre attention.",
        overdue="En retard",
        week="Cette semaine",
        month="Ce mois-ci",
        later="Plus tard",
        actions={
            ReminderRule.ANNIVERSARY: "Anniversaire de la signature : l'occasion de faire le"
            " point sur la coopération.",
            ReminderRule.EXPIRY: "Il expire : décidez s'il faut le renouveler ou le laisser"
            " prendre fin.",
            ReminderRule.NOTICE_DEADLINE: "Dernier jour pour notifier le non-renouvellement :"
            " notifiez-le, sinon il sera renouvelé automatiquement.",
            ReminderRule.FOLLOW_UP: "Suivi à faire : réalisez-le et enregistrez son résultat.",
        },
        open="Ouvrir l'accord",
        frequencies={
            Frequency.DAILY: "Vous recevez ce résumé chaque jour.",
            Frequency.WEEKLY: "Vous recevez ce résumé chaque semaine.",
        },
        settings="Pour en changer la fréquence ou ne plus le recevoir :",
        first="1er",
    ),
}
