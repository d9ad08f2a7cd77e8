"""``decouvrir`` et ``lire_notebook`` sur des dossiers et fichiers construits à la main."""
import json
import os

import nbformat
import pytest
from outils import code, notebook

from autograder.correction.lecture.remises import RemiseIllisible, decouvrir, lire_notebook


def ecrire(chemin, contenu="{}", date=None):
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_bytes(contenu) if isinstance(contenu, bytes) else chemin.write_text(contenu, encoding="utf-8")
    if date is not None:
        os.utime(chemin, (date, date))
    return chemin


def test_noms_moodle_fichiers_caches_et_non_notebooks(tmp_path):
    ecrire(tmp_path / "Zoé Durand_123456_assignsubmission_file_" / "TP final.ipynb")
    ecrire(tmp_path / "Ana.ipynb")
    ecrire(tmp_path / ".ipynb_checkpoints" / "Ana-checkpoint.ipynb")
    ecrire(tmp_path / "Bob" / ".ipynb_checkpoints" / "x.ipynb")
    ecrire(tmp_path / "consignes.pdf")
    soumissions, ignores = decouvrir(tmp_path)
    assert [s.etudiant for s in soumissions] == ["Ana", "Zoé Durand"]
    assert [p.name for p in ignores] == ["Bob", "consignes.pdf"]  # dossier sans notebook visible


def test_nom_decompose_en_nfd_ramene_en_nfc(tmp_path):
    ecrire(tmp_path / "Zoe\u0301.ipynb")
    assert [s.etudiant for s in decouvrir(tmp_path)[0]] == ["Zo\u00e9"]


def test_doublons_le_plus_recent_est_note_et_c_est_dit(tmp_path):
    ecrire(tmp_path / "Ana.ipynb", date=1_000)
    ecrire(tmp_path / "Ana_42_assignsubmission_file_" / "v2.ipynb", date=2_000)
    [soumission], _ = decouvrir(tmp_path)
    assert soumission.chemin.name == "v2.ipynb"
    assert soumission.remarques == ["2 remises trouvées : la plus récente (v2.ipynb) est notée, "
                                    "les autres ignorées (Ana.ipynb)"]


def test_dossier_absent(tmp_path):
    with pytest.raises(FileNotFoundError, match="introuvable"):
        decouvrir(tmp_path / "absent")


@pytest.mark.parametrize("contenu, message", [
    (b"", "fichier vide"),
    (b"\x89PNG\r\n\x1a\n\xff\xfe", "fichier binaire"),
    (b'{"cells": [', "JSON invalide"),
    (b"[1, 2]", "pas de cellules"),
    (b'{"cells": "pas une liste", "nbformat": 4}', "notebook illisible"),
])
def test_remises_illisibles_message_clair(tmp_path, contenu, message):
    with pytest.raises(RemiseIllisible, match=message):
        lire_notebook(ecrire(tmp_path / "x.ipynb", contenu))


def test_fichier_inaccessible(tmp_path):
    with pytest.raises(RemiseIllisible, match="fichier illisible"):
        lire_notebook(tmp_path / "absent.ipynb")


def test_notebook_sans_metadonnees_repare_et_ancien_format_converti(tmp_path):
    nb = notebook(code("x = 1"))
    brut = json.loads(nbformat.writes(nb))
    del brut["metadata"]["kernelspec"], brut["cells"][0]["outputs"], brut["cells"][0]["execution_count"]
    lu, remarques = lire_notebook(ecrire(tmp_path / "a.ipynb", "\ufeff" + json.dumps(brut)))
    assert lu.metadata["kernelspec"]["name"] == "python3" and lu.cells[0].outputs == [] and remarques == []
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [
        {"cells": [{"cell_type": "code", "input": "x = 1", "outputs": [], "language": "python"}]}]}
    lu, remarques = lire_notebook(ecrire(tmp_path / "b.ipynb", json.dumps(v3)))
    assert lu.cells[0].source == "x = 1" and remarques == ["notebook au format nbformat 3, converti au format 4"]


def test_nom_de_fichier_court_pour_un_nom_de_255_caracteres(tmp_path):
    """Un nom de dossier de 255 caractères (ou accentué, deux octets par lettre) donne un nom de
    fichier de retour que le système accepte, archivage compris, et deux noms longs qui ne
    diffèrent qu'à la fin restent distincts ; un nom ordinaire reste tel quel."""
    from autograder.correction.lecture.remises import OCTETS_MAX_NOM, nom_de_fichier

    assert nom_de_fichier("Zoé Roux", ".html") == "Zoé Roux.html"
    longs = ["é" * 200 + "a", "é" * 200 + "b", "x" * 255]
    noms = [nom_de_fichier(n, ".html") for n in longs]
    assert len(set(noms)) == 3 and all(len(n.encode()) <= OCTETS_MAX_NOM and n.endswith(".html") for n in noms)
    for nom in noms:
        (tmp_path / f"20261205-120000-{nom}").write_text("ok", encoding="utf-8")  # nom archivé
