"""`machimap plan …`: renewal planning from the command line, for notebooks and checks (the
projection per building as CSV, coverage figures); the same layers/planning/ functions the
staff pages call."""

from __future__ import annotations

from pathlib import Path

import typer

from api.cli.common import app, fail

plan_app = typer.Typer(
    help="Renewal planning (公共施設等総合管理計画): projection, coverage.", no_args_is_help=True
)
app.add_typer(plan_app, name="plan")


@plan_app.command("projection")
def projection_command(
    base_year: int = typer.Option(..., "--base-year", help="基準年度 / first fiscal year (B)"),
    scenario: str = typer.Option("soumu", "--scenario", help="シナリオ / scenario code"),
    csv_path: Path | None = typer.Option(
        None, "--csv", help="建物別CSVの出力先 / per-building CSV (UTF-8 with BOM)"
    ),
) -> None:
    """40年間の更新費用試算 / The 40-year renewal cost projection, per building and category."""
    from layers.planning import projection
    from layers.store.db import session_scope
    from layers.store.refusals import Refused

    try:
        with session_scope() as session:
            result, rows = projection.run_with_rows(session, scenario, base_year)
    except Refused as refusal:
        fail(refusal.message_ja, refusal.message_en)
    if csv_path is not None:
        csv_path.write_text(projection.building_csv(result, rows), encoding="utf-8", newline="")
    figures = projection.summary(result)
    categories = figures["categories"]
    typer.echo(f"{result.scenario.name_ja} / {result.scenario.name_en}  (万円 / 10,000 yen)")
    typer.echo("\t".join(["年度", *(c["name_ja"] for c in categories), "合計"]))
    for i, year in enumerate(result.years):
        cells = [projection.man_yen(c["costs"][i]) for c in categories]
        typer.echo("\t".join([str(year), *cells, projection.man_yen(figures["yearly"][i])]))
    budget = figures["budget"]
    average = figures["yearly_average"]
    typer.echo(
        f"40年合計 total {projection.man_yen(figures['total'])}; "
        f"年平均 yearly average {projection.man_yen(average)}; "
        f"予算 budget {projection.man_yen(budget)} "
        f"({'超過' if average > budget else '以内'} / {'over' if average > budget else 'within'})"
    )
    skipped = figures["not_projected"]
    if skipped["count"]:
        reasons: dict[str, int] = {}
        for entry in skipped["buildings"]:
            for reason in entry["missing"]:
                reasons[reason] = reasons.get(reason, 0) + 1
        why = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
        typer.echo(f"試算対象外 not projected: {skipped['count']} buildings (missing: {why})")
