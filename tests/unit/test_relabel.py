"""The label_overrides fault (extranet/relabel.py): whole labels renamed, forms left working."""
from __future__ import annotations

import pytest

from extranet.faults import FaultProfile, FaultProfileError
from extranet.relabel import relabel

PAGE = """<nav aria-label="Besoin d&#39;aide"><summary>Besoin d'aide</summary></nav>
<h1>J'ai oublié mon mot de passe</h1>
<p>Saisissez votre identifiant : un lien vous sera envoyé.</p>
<label for="identifiant">Identifiant</label><input type="text" id="identifiant" name="identifiant" value="Identifiant">
<select name="civilite"><option value="Madame">Madame</option></select>
<button type="button" aria-label="Renouveler le cryptogramme" title="Renouveler le cryptogramme">⟲</button>
<button type="submit">
  Valider
</button>"""


def test_relabel_renames_whole_labels_in_text_and_accessible_name_attributes() -> None:
    out = relabel(PAGE, {"Identifiant": "Identifiant de connexion", "Valider": "Confirmer",
                         "J'ai oublié mon mot de passe": "Mot de passe perdu ?", "Besoin d'aide": "Aide & contact",
                         "Renouveler le cryptogramme": "Autre code", "Madame": "Mme"})
    assert '<label for="identifiant">Identifiant de connexion</label>' in out
    assert "<h1>Mot de passe perdu ?</h1>" in out
    assert "\n  Confirmer\n" in out
    assert '<nav aria-label="Aide &amp; contact"><summary>Aide &amp; contact</summary>' in out
    assert 'aria-label="Autre code" title="Autre code"' in out
    # what the server reads back, and sentences that merely contain a label, are left alone
    assert 'name="identifiant" value="Identifiant"' in out and '<option value="Madame">Mme</option>' in out
    assert "Saisissez votre identifiant : un lien" in out


def test_relabel_with_no_override_changes_nothing() -> None:
    assert relabel(PAGE, {}) == PAGE


def test_label_overrides_is_validated_naming_the_key() -> None:
    assert FaultProfile.from_dict({"label_overrides": {"Valider": "Confirmer"}}).label_overrides == {
        "Valider": "Confirmer"}
    for bad in ({"Valider": ""}, {"Valider": 3}, ["Valider"], {"": "x"}):
        with pytest.raises(FaultProfileError, match="label_overrides"):
            FaultProfile.from_dict({"label_overrides": bad})
    assert FaultProfile.from_dict({"label_overrides": {"A": "B"}}).to_dict() == {"label_overrides": {"A": "B"}}
