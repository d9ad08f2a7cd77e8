"""make release : le paquet étudiant ne contient que le notebook et le README, et rien du maître."""
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import zlib

import pytest

from autograder import cellules as cellules_nb
from autograder.cellules import source
from autograder.chemins import BUILD, NOTEBOOK_ETUDIANT, RACINE
from autograder.cours import configuration
from autograder.distribution.preprocessors import DEPOT_A_RENSEIGNER, ID_CELLULE_BADGE, ligne_badge, url_colab
from autograder.distribution.publication import (
    CONTENU,
    DEST_PAR_DEFAUT,
    LISEZMOI,
    NOTEBOOK,
    SANS_BADGE,
    PublicationRefusee,
    fuites,
    publier,
    reglages_badge,
    secrets_du_maitre,
    verifier_destination,
)
from conftest import sans_insecables

DEPOT, BRANCHE = "univ-exemple/tp-diffusion-etudiants", "rentree-2025"


def lancer_make_release(dest, **variables):
    """Lance « make release DEST=… VARIABLE=… » (ou le module, si make est absent), sans attendre."""
    if shutil.which("make"):
        commande = ["make", "--no-print-directory", "-C", str(RACINE), "release", f"DEST={dest}"]
        commande += [f"{nom}={valeur}" for nom, valeur in variables.items()]
    else:
        commande = [sys.executable, "-m", "autograder.distribution.publication", "--dest", str(dest),
                    "--depot", variables.get("PUBLIC_REPO", ""), "--branche", variables.get("PUBLIC_BRANCH", "")]
    return subprocess.Popen(commande, cwd=RACINE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def make_release(dest, **variables):
    processus = lancer_make_release(dest, **variables)
    sortie, erreurs = processus.communicate(timeout=300)
    return subprocess.CompletedProcess(processus.args, processus.returncode, sortie, erreurs)


@pytest.fixture(scope="module")
def paquets(tmp_path_factory):
    """Les paquets des deux mises en place, construits en parallèle (« make release » et publier()).

    « github » : dépôt public des étudiants (GitHub, GitHub Classroom), avec badge ;
    « fichier » : notebook déposé sur Moodle ou Drive, sans badge.
    """
    racine = tmp_path_factory.mktemp("publication")
    processus = lancer_make_release(racine / "github", PUBLIC_REPO=DEPOT, PUBLIC_BRANCH=BRANCHE)
    try:
        publier(racine / "fichier", SANS_BADGE)  # pendant ce temps, le même code, dans ce processus
    finally:
        sortie, erreurs = processus.communicate(timeout=300)
    assert processus.returncode == 0, f"make release :\n{sortie}{erreurs}"
    assert url_colab(DEPOT, BRANCHE, "notebooks/tp_diffusion.ipynb") in sortie
    return {"github": racine / "github", "fichier": racine / "fichier"}


@pytest.fixture(scope="module")
def paquet(paquets):
    return paquets["github"]


@pytest.fixture(scope="module")
def paquet_fichier(paquets):
    return paquets["fichier"]


@pytest.fixture(scope="module")
def secrets():
    lignes = secrets_du_maitre()
    assert len(lignes) > 60  # le maître contient bien des solutions et des tests cachés
    return lignes


def fichiers(dossier):
    return {str(p.relative_to(dossier)) for p in dossier.rglob("*") if p.is_file()}


def cellules(chemin):
    return json.loads(chemin.read_text(encoding="utf-8"))["cells"]


# --- Contenu du paquet ----------------------------------------------------------------------

@pytest.mark.parametrize("nom", ["paquet", "paquet_fichier"])
def test_le_paquet_ne_contient_que_le_notebook_et_le_readme(nom, request):
    dossier = request.getfixturevalue(nom)
    assert fichiers(dossier) == {str(p) for p in CONTENU} == {"README.md", "notebooks/tp_diffusion.ipynb"}


@pytest.mark.parametrize("nom", ["paquet", "paquet_fichier"])
def test_aucune_ligne_de_solution_ni_de_test_cache_nulle_part_dans_le_paquet(nom, request, secrets):
    # Fouille chaque fichier : texte brut, chaînes JSON (métadonnées comprises), pièces jointes
    # base64 décodées et leurs morceaux PNG, sommes de contrôle nbgrader recalculées.
    assert fuites(request.getfixturevalue(nom), secrets) == []


def test_les_pieces_jointes_du_paquet_sont_celles_du_notebook_etudiant(paquet):
    attendues = {n: f for c in cellules(NOTEBOOK_ETUDIANT) for n, f in (c.get("attachments") or {}).items()}
    publiees = {n: f for c in cellules(paquet / NOTEBOOK) for n, f in (c.get("attachments") or {}).items()}
    assert publiees == attendues and len(publiees) == 2
    for formats in publiees.values():
        assert base64.b64decode(formats["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")


def _morceau_png(genre, corps):
    return len(corps).to_bytes(4, "big") + genre + corps + zlib.crc32(genre + corps).to_bytes(4, "big")


def _implanter_dans_png(notebook, genre, corps):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cellule = next(c for c in nb["cells"] if c.get("attachments"))
    formats = next(iter(cellule["attachments"].values()))
    png = base64.b64decode(formats["image/png"])
    png = png[:-12] + _morceau_png(genre, corps) + png[-12:]  # juste avant IEND
    formats["image/png"] = base64.b64encode(png).decode()
    notebook.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def _implanter_dans_json(notebook, modifier):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    modifier(nb)
    notebook.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def _cellule(nb, grade_id):
    return next(c for c in nb["cells"] if cellules_nb.grade_id(c) == grade_id)


IMPLANTS = {
    "README": lambda d, s: (d / LISEZMOI).write_text((d / LISEZMOI).read_text(encoding="utf-8") + f"\n    {s}\n",
                                                     encoding="utf-8"),
    "fichier caché en plus": lambda d, s: (d / ".indice").write_text(s),
    "métadonnées du notebook": lambda d, s: _implanter_dans_json(
        d / NOTEBOOK, lambda nb: nb["metadata"].setdefault("colab", {}).update(note=s)),
    "métadonnées d'une cellule": lambda d, s: _implanter_dans_json(
        d / NOTEBOOK, lambda nb: nb["cells"][3]["metadata"].update(tags=[s])),
    "sortie d'une cellule": lambda d, s: _implanter_dans_json(
        d / NOTEBOOK, lambda nb: _cellule(nb, "ex1_reponse").update(
            outputs=[{"output_type": "stream", "name": "stdout", "text": [s]}])),
    "somme de contrôle nbgrader": lambda d, s: _implanter_dans_json(
        d / NOTEBOOK, lambda nb: _cellule(nb, "ex1_reponse")["metadata"]["nbgrader"].update(
            checksum=hashlib.md5(s.encode()).hexdigest())),
    "morceau tEXt d'une pièce jointe PNG": lambda d, s: _implanter_dans_png(
        d / NOTEBOOK, b"tEXt", b"Comment\0" + s.encode()),
    "morceau zTXt (compressé) d'une pièce jointe PNG": lambda d, s: _implanter_dans_png(
        d / NOTEBOOK, b"zTXt", b"Comment\0\0" + zlib.compress(s.encode())),
    "image en URI data: dans une cellule": lambda d, s: _implanter_dans_json(
        d / NOTEBOOK, lambda nb: nb["cells"][1].update(
            source=f"![](data:text/plain;base64,{base64.b64encode(s.encode()).decode()})")),
}


@pytest.mark.parametrize("implant", IMPLANTS)
def test_la_fouille_trouve_un_secret_cache_n_importe_ou(implant, paquet, secrets, tmp_path):
    # La fouille elle-même est vérifiée : un secret glissé n'importe où dans une copie du paquet
    # (en clair, compressé, en base64, dans une image…) doit être trouvé.
    copie = shutil.copytree(paquet, tmp_path / "paquet")
    secret = next(s for s in secrets if "np.linspace" in s or "np.cumprod" in s)
    IMPLANTS[implant](copie, secret)
    assert fuites(copie, secrets), implant


# --- Badge « Ouvrir dans Colab » ------------------------------------------------------------

def test_le_badge_ouvre_la_copie_publique_du_notebook(paquet):
    premiere = cellules(paquet / NOTEBOOK)[0]
    assert premiere["cell_type"] == "markdown" and premiere["id"] == ID_CELLULE_BADGE
    assert source(premiere) == ligne_badge(DEPOT, BRANCHE, str(NOTEBOOK))
    url = url_colab(DEPOT, BRANCHE, str(NOTEBOOK))
    assert url == f"https://colab.research.google.com/github/{DEPOT}/blob/{BRANCHE}/notebooks/tp_diffusion.ipynb"
    # Poussé à la racine du dépôt public, le paquet met le notebook là où le badge l'ouvre.
    assert (paquet / url.split(f"/blob/{BRANCHE}/")[1]).is_file()
    assert f"[![Ouvrir dans Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})" in (
        paquet / LISEZMOI).read_text(encoding="utf-8")


def test_le_notebook_du_paquet_est_le_notebook_etudiant_avec_le_badge_du_depot_public(paquet, paquet_fichier):
    committe = NOTEBOOK_ETUDIANT.read_text(encoding="utf-8")
    badge = cellules(NOTEBOOK_ETUDIANT)[0]
    assert badge["id"] == ID_CELLULE_BADGE, "le notebook committé commence par le badge"
    url_committee = source(badge).rsplit("](", 1)[1].rstrip(")")
    publie = (paquet / NOTEBOOK).read_text(encoding="utf-8")
    assert publie == committe.replace(url_committee, url_colab(DEPOT, BRANCHE, str(NOTEBOOK)))
    # Sans dépôt public : le même notebook, sans la cellule du badge.
    assert cellules(paquet_fichier / NOTEBOOK) == cellules(NOTEBOOK_ETUDIANT)[1:]


def test_readme_du_paquet_selon_la_mise_en_place(paquet, paquet_fichier):
    github = (paquet / LISEZMOI).read_text(encoding="utf-8")
    fichier = (paquet_fichier / LISEZMOI).read_text(encoding="utf-8")
    for texte in (github, fichier):
        assert texte.startswith("# TP — Modèles de diffusion (DDPM)\n")
        assert "Fichier › Importer un notebook" in texte and "Télécharger le fichier .ipynb" in texte
        assert "sans le renommer" in texte and "<!--" not in texte and "$" not in texte
    assert "Enregistrer une copie dans Drive" in github
    assert "colab.research.google.com/github/" not in fichier and "Moodle, Drive" in fichier


def test_make_student_ne_depend_pas_de_l_environnement(tmp_path, monkeypatch):
    # Le notebook committé doit être celui que génère « make student » sur toute machine :
    # PUBLIC_REPO ne vaut que pour « make release », jamais pour nbgrader_config.py.
    monkeypatch.setenv("PUBLIC_REPO", DEPOT)
    monkeypatch.setenv("PUBLIC_BRANCH", BRANCHE)
    config = configuration(tmp_path)
    assert (config.BadgeColab.depot, config.BadgeColab.branche) != (DEPOT, BRANCHE)
    badge = source(cellules(NOTEBOOK_ETUDIANT)[0])
    assert badge == ligne_badge(config.BadgeColab.depot, config.BadgeColab.branche, str(NOTEBOOK))


def test_le_readme_du_depot_et_le_notebook_committe_ont_le_meme_badge():
    readme = RACINE / "README.md"
    texte = readme.read_text(encoding="utf-8") if readme.exists() else ""
    adresses = re.findall(r"https://colab\.research\.google\.com/github/[^)\s]*/notebooks/tp_diffusion\.ipynb", texte)
    if not adresses:
        pytest.skip("le README du dépôt n'a pas de badge Colab vers le notebook étudiant")
    url_committee = source(cellules(NOTEBOOK_ETUDIANT)[0]).rsplit("](", 1)[1].rstrip(")")
    assert set(adresses) == {url_committee}, "le badge du README doit reprendre c.BadgeColab (nbgrader_config.py)"


# --- Refus ----------------------------------------------------------------------------------

def test_un_depot_public_non_renseigne_ou_invalide_est_refuse():
    with pytest.raises(PublicationRefusee, match="PUBLIC_REPO=propriétaire/nom"):
        reglages_badge(DEPOT_A_RENSEIGNER)
    with pytest.raises(PublicationRefusee, match="propriétaire/nom"):
        reglages_badge("https://github.com/univ/tp")
    with pytest.raises(PublicationRefusee, match="branche"):
        reglages_badge(DEPOT, "main; rm -rf")
    assert reglages_badge(SANS_BADGE).depot == ""


@pytest.mark.parametrize("dest", [".", "notebooks", "solutions", "tests/publication", "autograder/modeles",
                                  ".git/publication", "build/../solutions/paquet"])
def test_refuse_d_ecrire_dans_l_arbre_suivi_du_depot(dest):
    with pytest.raises(PublicationRefusee, match="arbre suivi par git"):
        verifier_destination(RACINE / dest)


def test_accepte_build_un_dossier_hors_du_depot_ou_un_paquet_precedent(tmp_path, paquet):
    assert verifier_destination(DEST_PAR_DEFAUT / "essai") == DEST_PAR_DEFAUT / "essai"  # build/ : ignoré par git
    assert verifier_destination(BUILD / "ailleurs") == BUILD / "ailleurs"
    assert verifier_destination(tmp_path / "neuf") == tmp_path / "neuf"
    assert verifier_destination(paquet) == paquet  # relancer make release au même endroit
    clone = shutil.copytree(paquet, tmp_path / "clone")
    (clone / ".git").mkdir()  # clone du dépôt public des étudiants
    assert verifier_destination(clone) == clone


@pytest.mark.parametrize("intrus", ["LICENSE", "notebooks/autre.ipynb", "solutions/tp_diffusion.ipynb"])
def test_refuse_un_dossier_qui_contient_autre_chose_que_le_paquet(tmp_path, intrus):
    (tmp_path / intrus).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / intrus).write_text("x")
    with pytest.raises(PublicationRefusee, match="autre chose que le paquet"):
        verifier_destination(tmp_path)


def test_make_release_refuse_avec_un_message_clair_et_n_ecrit_rien():
    avant = sorted(p.name for p in (RACINE / "notebooks").iterdir())
    resultat = make_release("notebooks", PUBLIC_REPO=DEPOT)
    assert resultat.returncode != 0
    assert sans_insecables("make release : refus d'écrire le paquet") in sans_insecables(resultat.stderr)
    assert sorted(p.name for p in (RACINE / "notebooks").iterdir()) == avant
