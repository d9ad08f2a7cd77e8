"""Correction d'une classe sur Slurm (``make grade-slurm``), prouvée sur un vrai Slurm.

Les tests rapides vérifient le script de tâches et la lecture des états sans Slurm ; les
tests ``lent`` démarrent un vrai cluster d'un nœud sur cette machine (``grappe_slurm.py`` :
munged, slurmctld, slurmd) et y corrigent des classes. Sans Slurm (pas root, paquets
absents), ils sont ignorés en local avec la raison, et échouent sous ``CI=true``.
"""
import csv
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from autograder.chemins import RACINE  # noqa: E402
from autograder.correction import slurm  # noqa: E402
from conftest import exiger_ou_ignorer, sans_insecables  # noqa: E402
from fabrique import ERREURS_TYPIQUES, ecrire, remise  # noqa: E402
from grappe_slurm import GrappeIndisponible, GrappeSlurm  # noqa: E402

# --- sans Slurm : le script et la lecture des états -------------------------------------------

def test_le_script_lance_la_bonne_part_avec_des_chemins_a_espaces(tmp_path):
    """Le script généré, exécuté par bash comme le ferait Slurm pour la tâche 2, appelle le correcteur
    sur la part 2/3, dans OUT/parts/part2, et écrit son code de sortie."""
    sortie, remises = tmp_path / "résultats de l'UE", tmp_path / "remises 2026"
    traces = tmp_path / "argv.txt"
    faux_python = tmp_path / "python"
    faux_python.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{traces}'\nexit 3\n")
    faux_python.chmod(faux_python.stat().st_mode | stat.S_IXUSR)
    texte = slurm.script_batch(remises=remises, sortie=sortie, nombre_parts=3, parts=[2, 3], cpus_par_tache=4,
                               duree="1:30:00", python=str(faux_python))
    assert "#SBATCH --array=2,3" in texte and "#SBATCH --cpus-per-task=4" in texte
    assert "#SBATCH --time=1:30:00" in texte
    script = tmp_path / "tache.sbatch"
    script.write_text(texte)
    (sortie / "slurm" / "codes").mkdir(parents=True)
    fini = subprocess.run(["bash", str(script)], env={**os.environ, "SLURM_ARRAY_TASK_ID": "2",
                                                      "SLURM_CPUS_PER_TASK": "4"}, check=False)
    assert fini.returncode == 3
    assert traces.read_text().splitlines() == [
        "-m", "autograder.correction.classe", str(remises), "--sortie", str(sortie / "parts" / "part2"),
        "--shard", "2/3", "--processus", "4"]
    assert (sortie / "slurm" / "codes" / "part2").read_text().strip() == "3"


def test_etats_sans_slurm_lus_dans_les_codes_de_sortie(tmp_path, monkeypatch):
    """squeue absent ou tâche sortie de la file : le code écrit par la tâche fait foi ; sans code,
    la tâche est en échec (tuée par Slurm) ; chaque état porte les étudiants de la part."""
    monkeypatch.setenv("PATH", str(tmp_path / "vide"))  # ni squeue, ni sacct, ni scontrol
    codes = tmp_path / "slurm" / "codes"
    codes.mkdir(parents=True)
    (codes / "part1").write_text("0\n")
    (codes / "part2").write_text("1\n")
    taches = slurm.etat_des_taches(job_id="42", sortie=tmp_path, parts=[1, 2, 3],
                                   etudiants={1: ["ana"], 2: ["bob", "chloé"], 3: ["dan"]})
    assert [(t.part, t.etat) for t in taches] == [(1, slurm.TERMINEE), (2, slurm.ECHOUEE), (3, slurm.ECHOUEE)]
    assert taches[1].etudiants == ("bob", "chloé") and "code 1" in taches[1].detail
    assert "sans code de sortie" in taches[2].detail
    assert slurm.ligne_de_progression(taches, "42") == (
        "Slurm, job 42 : 0 tâche(s) en attente, 0 en cours, 1 terminée(s), 2 en échec (sur 3)")


def _faux_squeue(dossier, message):
    dossier.mkdir(exist_ok=True)
    squeue = dossier / "squeue"
    squeue.write_text(f"#!/bin/sh\necho '{message}' >&2\nexit 1\n")
    squeue.chmod(0o755)
    return str(dossier)


def test_squeue_muet_n_est_pas_un_echec(tmp_path, monkeypatch):
    """Contrôleur occupé : on réessaie (SlurmInjoignable), on ne déclare pas les tâches en échec ;
    job purgé de la file (« Invalid job id ») : les codes de sortie font foi."""
    monkeypatch.setenv("PATH", _faux_squeue(tmp_path / "bin", "slurm_load_jobs error: Socket timed out"))
    with pytest.raises(slurm.SlurmInjoignable, match="Socket timed out"):
        slurm.etat_des_taches(job_id="7", sortie=tmp_path, parts=[1], etudiants={})
    monkeypatch.setenv("PATH", _faux_squeue(tmp_path / "bin2", "slurm_load_jobs error: Invalid job id specified"))
    (tmp_path / "slurm" / "codes").mkdir(parents=True)
    (tmp_path / "slurm" / "codes" / "part1").write_text("0\n")
    (tache,) = slurm.etat_des_taches(job_id="7", sortie=tmp_path, parts=[1], etudiants={})
    assert tache.etat == slurm.TERMINEE


def test_pas_de_fusion_tant_qu_une_part_manque(tmp_path, capsys):
    remises = tmp_path / "remises"
    for nom in ("ana", "bob", "chloé", "dan"):
        (remises / f"{nom}.ipynb").parent.mkdir(exist_ok=True)
        (remises / f"{nom}.ipynb").write_text("{}")
    (tmp_path / "out" / "slurm" / "codes").mkdir(parents=True)
    (tmp_path / "out" / "slurm" / "codes" / "part1").write_text("0")
    resultat = slurm.fusionner_si_complet(remises=remises, sortie=tmp_path / "out", nombre_parts=2)
    assert not resultat.fusionne and resultat.erreur and [t.part for t in resultat.echecs] == [2]
    attendus = set(slurm._etudiants_par_part(remises, 2)[2])
    assert set(resultat.echecs[0].etudiants) == attendus
    texte = capsys.readouterr().out
    assert "--parts 2" in texte and all(nom in texte for nom in attendus)
    assert not (tmp_path / "out" / "notes.csv").exists()


def test_soumettre_seulement_rend_la_main_avec_le_job_et_la_fusion(tmp_path, monkeypatch, capsys):
    """Avec un sbatch qui ne fait que noter ses arguments : le script est écrit, passé à sbatch avec
    le journal par tâche, le numéro de job est lu (format --parsable « id;cluster ») et la commande
    de fusion affichée ; rien n'est suivi ni fusionné."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "sbatch").write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{tmp_path / 'sbatch.txt'}'\n"
                                 "echo '4242;grappe'\n")
    (bin_ / "sbatch").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_}:{os.environ['PATH']}")
    remises = tmp_path / "remises"
    remises.mkdir()
    (remises / "ana.ipynb").write_text("{}")
    resultat = slurm.corriger_sur_slurm(remises=remises, sortie=tmp_path / "out", nombre_parts=2,
                                        options_sbatch=["--partition=cours"], soumettre_seulement=True)
    assert resultat.erreur is None and resultat.job_id == "4242" and not resultat.fusionne and not resultat.taches
    arguments = (tmp_path / "sbatch.txt").read_text().splitlines()
    assert arguments == ["--parsable", f"--output={tmp_path / 'out' / 'slurm' / 'journaux' / 'part%a-%A.txt'}",
                         "--partition=cours", str(resultat.script)]
    assert "#SBATCH --array=1,2" in resultat.script.read_text()
    texte = capsys.readouterr().out
    assert "4242" in texte and "--fusionner" in texte


def test_le_nombre_de_parts_ne_change_pas_en_cours_de_route(tmp_path):
    remises = tmp_path / "remises"
    remises.mkdir()
    (tmp_path / "out" / "slurm").mkdir(parents=True)
    (tmp_path / "out" / "slurm" / "nombre_parts").write_text("3\n")
    resultat = slurm.corriger_sur_slurm(remises=remises, sortie=tmp_path / "out", nombre_parts=4)
    assert resultat.job_id is None and "3 parts, pas 4" in resultat.erreur


# --- avec un vrai Slurm ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def grappe(tmp_path_factory):
    try:
        with GrappeSlurm(tmp_path_factory.mktemp("slurm")) as g:
            yield g
    except GrappeIndisponible as raison:
        print(f"\n{raison}")
        exiger_ou_ignorer(False, str(raison))


def _sur_la_grappe(grappe, **kwargs):
    """corriger_sur_slurm avec les clients Slurm pointés sur la grappe de test."""
    ancien = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = grappe.environnement["SLURM_CONF"]
    try:
        return slurm.corriger_sur_slurm(cpus_par_tache=1, duree="0:30:00", intervalle=1, **kwargs)
    finally:
        if ancien is None:
            os.environ.pop("SLURM_CONF")
        else:
            os.environ["SLURM_CONF"] = ancien


@pytest.mark.lent
def test_part_en_echec_signalee_puis_resoumise_seule(grappe, tmp_path, capsys):
    """Une part qui échoue (son dossier est verrouillé par une autre correction) est signalée avec
    ses étudiants, sans fusion ; resoumise seule (--parts), elle passe, et la fusion suit."""
    import fcntl
    remises, sortie = tmp_path / "remises", tmp_path / "out"
    remises.mkdir()
    for nom in ("ana", "bob", "chloé", "dan"):  # remises vides : notées 0 sans exécuter de notebook
        (remises / f"{nom}.ipynb").write_text("")
    etudiants = slurm._etudiants_par_part(remises, 2)
    assert etudiants[1] and etudiants[2]
    (sortie / "parts" / "part2").mkdir(parents=True)
    with open(sortie / "parts" / "part2" / ".verrou", "w") as verrou:
        fcntl.flock(verrou, fcntl.LOCK_EX | fcntl.LOCK_NB)
        premier = _sur_la_grappe(grappe, remises=remises, sortie=sortie, nombre_parts=2)
    assert premier.job_id and not premier.fusionne
    assert [(t.part, t.etat) for t in premier.taches] == [(1, slurm.TERMINEE), (2, slurm.ECHOUEE)]
    assert set(premier.echecs[0].etudiants) == set(etudiants[2])
    assert "Une autre correction utilise déjà" in premier.echecs[0].journal.read_text()
    assert not (sortie / "notes.csv").exists()
    assert "--parts 2" in capsys.readouterr().out

    second = _sur_la_grappe(grappe, remises=remises, sortie=sortie, nombre_parts=2, parts=[2])
    assert second.reussi and second.fusionne and second.job_id != premier.job_id, second
    with open(sortie / "notes.csv", encoding="utf-8", newline="") as f:
        assert sorted(ligne["student_id"] for ligne in csv.DictReader(f)) == sorted(etudiants[1] + etudiants[2])
    # Rien n'est refait : resoumise, la part 1 reprend ses remises déjà notées.
    troisieme = _sur_la_grappe(grappe, remises=remises, sortie=sortie, nombre_parts=2, parts=[1])
    assert troisieme.reussi
    journal = troisieme.taches[0].journal.read_text()
    assert sans_insecables(f"Reprise : {len(etudiants[1])} remise(s) déjà notée(s) et inchangée(s), 0 à noter.") \
        in sans_insecables(journal)


#: Morceaux de la barre de progression de Keras (« 12/63 ━━━ 1:02 2s/step - loss : 0.31 », durées
#: seules « 1:02 », « 5s ») ; aussi les bordures de model.summary(), sans importance ici.
_PROGRESSION = re.compile(r"━|\x08|/step|^\s*\d+/\d+\s*$|^\s*\d+(:\d+)+\s*$|^\s*\d+m?s\s*$")


class _Squelette(HTMLParser):
    """Texte d'une page de retour ; dans les sorties des cellules, nombres et images masqués."""

    def __init__(self):
        super().__init__()
        self.morceaux, self.pile = [], []

    def handle_starttag(self, balise, attributs):
        classes = dict(attributs).get("class") or ""
        if balise == "div":
            self.pile.append("output_wrapper" in classes.split() or (self.pile and self.pile[-1]))
        if balise == "img":
            self.morceaux.append("<img>")

    def handle_endtag(self, balise):
        if balise == "div" and self.pile:
            self.pile.pop()

    def handle_data(self, texte):
        if self.pile and self.pile[-1]:
            if _PROGRESSION.search(texte):  # barre de progression de Keras : rafraîchie selon la vitesse
                texte = "<progression>"
            texte = re.sub(r"\d+", "N", texte)
        if texte.strip():
            self.morceaux.append(texte.strip())


def _squelette(chemin):
    """Le texte de la page, blancs réduits : une sortie écrite en un ou deux messages (selon la
    vitesse du noyau, Jupyter regroupe ou non les écritures) donne le même texte."""
    lecteur = _Squelette()
    lecteur.feed(chemin.read_text(encoding="utf-8"))
    return re.sub(r"(<progression> )+", "<progression> ", re.sub(r"\s+", " ", " ".join(lecteur.morceaux) + " "))


@pytest.mark.lent
def test_classe_sur_slurm_egale_classe_sur_une_machine(grappe, tmp_path):
    """7 copies en 3 parts sur Slurm : mêmes notes.csv, moodle.csv et retours qu'une seule machine.

    Normalisé dans les retours, parce qu'il change d'une exécution à l'autre sur la même
    machine : dans les sorties des cellules, les nombres (perte d'entraînement, durées) sont
    masqués, les barres de progression de Keras (rafraîchies selon la vitesse) réduites à une
    marque, les images comptées sans être comparées (tirages aléatoires), les blancs réduits
    (Jupyter regroupe ou non deux écritures selon la vitesse). Tout le reste (code, points,
    messages d'erreur des vérifications) est comparé tel quel.
    """
    remises = tmp_path / "remises"
    ecrire(remise(), remises / "Élodie Martin.ipynb")
    ecrire(remise(vierge=True), remises / "Vierge.ipynb")  # noms choisis pour une copie par part
    ecrire(remise(ERREURS_TYPIQUES["direct_alpha"][0]), remises / "direct_alpha" / "tp_diffusion.ipynb")
    assert all(len(e) == 1 for e in slurm._etudiants_par_part(remises, 3).values()), "une copie par part"

    debut = time.monotonic()
    seule = subprocess.run([sys.executable, "-m", "autograder.correction.classe", str(remises), "--sortie",
                            str(tmp_path / "une_machine"), "--processus", "2"],
                           cwd=RACINE, capture_output=True, text=True, timeout=3600, check=False)
    duree_seule = time.monotonic() - debut
    assert seule.returncode == 0, seule.stdout + seule.stderr

    debut = time.monotonic()
    resultat = _sur_la_grappe(grappe, remises=remises, sortie=tmp_path / "slurm", nombre_parts=3)
    duree_slurm = time.monotonic() - debut
    assert resultat.reussi and resultat.fusionne, resultat
    print(f"\n3 copies, 2 cœurs : une machine (--processus 2) {duree_seule:.0f} s ; "
          f"Slurm, 3 parts (1 cœur par tâche, 2 tâches à la fois) {duree_slurm:.0f} s")

    une, grappee = tmp_path / "une_machine", tmp_path / "slurm"
    for fichier in ("notes.csv", "moodle.csv"):
        assert (grappee / fichier).read_text(encoding="utf-8") == (une / fichier).read_text(encoding="utf-8")
    pages = sorted(p.name for p in (une / "feedback").glob("*.html"))
    assert len(pages) == 3 and pages == sorted(p.name for p in (grappee / "feedback").glob("*.html"))
    for page in pages:
        assert _squelette(grappee / "feedback" / page) == _squelette(une / "feedback" / page), page
    # la normalisation laisse voir ce qui distingue deux copies (code, points, messages)
    assert _squelette(une / "feedback" / "Élodie Martin.html") != _squelette(une / "feedback" / "direct_alpha.html")
    shutil.rmtree(tmp_path / "une_machine" / "cours", ignore_errors=True)
