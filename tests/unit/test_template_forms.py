"""template.yaml is read the same in short form (!Sub, as written) and long form (Fn::Sub, as `sam build` writes)."""

from __future__ import annotations

from pathlib import Path

from local.template_routes import load_template

SHORT = """Resources:
  Fn:
    Properties:
      Role: !GetAtt FnRole.Arn
      Schedule: !Sub 'cron(0 ${Hour} * * ? *)'
      Layers: [!Ref CoreLayer]
      Cond: !If [IsProd, !Ref A, '']
"""
LONG = """Resources:
  Fn:
    Properties:
      Role:
        Fn::GetAtt: [FnRole, Arn]
      Schedule:
        Fn::Sub: cron(0 ${Hour} * * ? *)
      Layers:
      - Ref: CoreLayer
      Cond:
        Fn::If: [IsProd, {Ref: A}, '']
"""


def test_long_and_short_forms_read_alike(tmp_path: Path) -> None:
    (tmp_path / "short.yaml").write_text(SHORT)
    (tmp_path / "long.yaml").write_text(LONG)
    short, long = load_template(tmp_path / "short.yaml"), load_template(tmp_path / "long.yaml")
    assert short == long
    props = short["Resources"]["Fn"]["Properties"]
    assert props["Role"] == {"GetAtt": "FnRole.Arn"}
    assert props["Schedule"] == {"Sub": "cron(0 ${Hour} * * ? *)"}
