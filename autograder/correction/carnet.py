"""Un seul dossier de cours nbgrader pour toute la classe : ``OUT/cours/``.

Chaque remise est notée dans son propre dossier de cours (``OUT/cours/travail/<id>/``,
``OUT/cours/gabarit/`` : dossiers de travail de la correction, que nbgrader ignore). Après
la correction, ``OUT/cours/`` lui-même devient un dossier de cours nbgrader standard pour
la classe : ``source/``, ``release/``, ``submitted/<id>/tp_diffusion/``,
``autograded/<id>/…``, ``feedback/<id>/…`` et un ``gradebook.db`` avec les notes de tous
les étudiants (créé par ``nbgrader generate_assignment``, rempli avec l'API ``Gradebook``
de nbgrader). ``nbgrader export`` et formgrader y voient donc toute la classe.

Identifiants : nbgrader s'en sert comme noms de dossiers et motifs de fichiers ; on n'y
garde que lettres ASCII, chiffres, ``_`` et ``-``. « Élodie Martin » devient
``elodie_martin`` (``_2``, ``_3``… en cas de doublon). La correspondance est dans
``OUT/cours_correspondance.csv`` (``student_id``, ``id_nbgrader``), stable d'une
correction à l'autre : un identifiant déjà attribué ne change jamais.

Les notes saisies à la main dans formgrader (``manual_score``) ne sont jamais écrasées :
la correction suivante ne met à jour que les notes automatiques (``auto_score``) et compte
les notes manuelles dans ``notes.csv`` comme des ajustements.
"""
import csv
import io
import re
import shutil
import unicodedata
import warnings
from datetime import datetime
from functools import cache
from pathlib import Path

from autograder.bareme import cellules_notees
from autograder.chemins import ASSIGNMENT
from autograder.correction.archives import ecrire_atomique

NOM_CORRESPONDANCE = "cours_correspondance.csv"
_ID_VALIDE = re.compile(r"^[A-Za-z0-9_-]+$")
ETAPES = ("submitted", "autograded", "feedback")


def id_valide(identifiant: str) -> bool:
    """Identifiant utilisable tel quel par nbgrader (dossiers, motifs, URL de formgrader)."""
    return bool(_ID_VALIDE.match(identifiant))


def _slug(etudiant):
    ascii_ = unicodedata.normalize("NFKD", etudiant).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_") or "etudiant"


def correspondance(chemin: Path, etudiants) -> dict:
    """``{student_id: id_nbgrader}`` ; complète (sans rien changer d'existant) le fichier ``chemin``."""
    chemin = Path(chemin)
    table = {}
    if chemin.exists():
        with open(chemin, encoding="utf-8", newline="") as fichier:
            for ligne in csv.DictReader(fichier):
                if ligne.get("student_id") and ligne.get("id_nbgrader"):
                    table[ligne["student_id"]] = ligne["id_nbgrader"]
    pris = set(table.values())
    nouveaux = [e for e in sorted(etudiants) if e not in table]
    for etudiant in nouveaux:
        base = etudiant if id_valide(etudiant) else _slug(etudiant)
        candidat, n = base, 2
        while candidat in pris:
            candidat, n = f"{base}_{n}", n + 1
        table[etudiant] = candidat
        pris.add(candidat)
    if nouveaux or not chemin.exists():
        tampon = io.StringIO()
        ecrivain = csv.writer(tampon, lineterminator="\n")
        ecrivain.writerow(["student_id", "id_nbgrader"])
        ecrivain.writerows(sorted(table.items()))
        ecrire_atomique(chemin, tampon.getvalue())
    return table


def _signature(dossier):
    """Fichiers d'un dossier avec taille et date : deux copies identiques ont la même."""
    if not dossier.is_dir():
        return None
    return sorted((str(f.relative_to(dossier)), f.stat().st_size, f.stat().st_mtime_ns)
                  for f in dossier.rglob("*") if f.is_file())


@cache
def _id_du_cours():
    from autograder.cours import configuration

    return configuration(".").CourseDirectory.course_id


def _gradebook(base: Path):
    """Carnet nbgrader ``base`` (sqlite), avec l'identifiant de cours de la configuration du dépôt."""
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{Path(base).resolve()}", _id_du_cours())


class CarnetDeClasse:
    """Le dossier de cours de la classe (``racine``, en général ``OUT/cours``)."""

    def __init__(self, racine: Path, archives: Path):
        self.racine = Path(racine)
        self.archives = Path(archives)
        self.base = self.racine / "gradebook.db"

    def gradebook(self):
        return _gradebook(self.base)

    def _cellules_du_carnet(self):
        from nbgrader.api import MissingEntry

        with self.gradebook() as gb:
            try:
                notebook = gb.find_notebook(ASSIGNMENT, ASSIGNMENT)
            except MissingEntry:
                return None
            return {c.name: float(c.max_score) for c in notebook.grade_cells}

    def preparer(self, dire=print):
        """Crée le devoir dans ``gradebook.db`` (nbgrader generate_assignment) s'il manque ou a changé."""
        from autograder.cours import preparer_cours

        if self.base.exists():
            if self._cellules_du_carnet() == dict(cellules_notees()):
                return
            self.archives.mkdir(parents=True, exist_ok=True)
            ancien = self.archives / f"{datetime.now():%Y%m%d-%H%M%S}-{self.base.name}"
            shutil.move(str(self.base), ancien)
            dire(f"  Le barème du TP a changé : ancien carnet de la classe archivé ({ancien.name}), "
                 "notes saisies dans formgrader comprises.")
        self.racine.mkdir(parents=True, exist_ok=True)
        preparer_cours(self.racine)

    def _copier_fichiers(self, id_interne, sid):
        travail = self.racine / "travail" / id_interne
        for etape in ETAPES:
            source = travail / etape / id_interne / ASSIGNMENT
            cible = self.racine / etape / sid / ASSIGNMENT
            if _signature(source) == _signature(cible):  # déjà copié (copytree garde les dates)
                continue
            if cible.exists():
                shutil.rmtree(cible)
            if source.is_dir():
                shutil.copytree(source, cible)

    @staticmethod
    def _lignes_de_la_copie(travail, id_interne):
        """Notes et commentaires automatiques du carnet d'une remise ; ``None`` s'il n'y en a pas."""
        from nbgrader.api import MissingEntry

        base = travail / "gradebook.db"
        if not base.exists():
            return None
        with _gradebook(base) as gb:
            try:
                notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, id_interne)
            except MissingEntry:
                return None
            return {
                "timestamp": notebook.assignment.timestamp,
                "notes": {g.name: (g.auto_score, g.needs_manual_grade) for g in notebook.grades},
                "commentaires": {c.name: c.auto_comment for c in notebook.comments},
            }

    def synchroniser(self, etats, ids: dict, participants: dict) -> None:
        """Copie remises, copies corrigées, retours et notes automatiques de chaque étudiant.

        ``ids`` : student_id -> id nbgrader ; ``participants`` : student_id -> identifiant
        de participant Moodle (rangé dans ``lms_user_id``). Les ``manual_score`` restent.
        """
        from sqlalchemy.exc import SAWarning

        copies = {}
        for etat in etats:
            id_interne = (etat.get("resultat") or {}).get("id_interne")
            sid = ids[etat["etudiant"]]
            if id_interne:
                self._copier_fichiers(id_interne, sid)
            copies[etat["etudiant"]] = (self._lignes_de_la_copie(self.racine / "travail" / id_interne, id_interne)
                                        if id_interne else None)
        with self.gradebook() as gb, warnings.catch_warnings():
            # add_submission de nbgrader 0.9 déclenche des SAWarning de SQLAlchemy 2 (sans effet).
            warnings.simplefilter("ignore", category=SAWarning)
            for etudiant, copie in copies.items():
                sid = ids[etudiant]
                gb.update_or_create_student(sid, last_name=etudiant, lms_user_id=participants.get(etudiant))
                gb.update_or_create_submission(ASSIGNMENT, sid, **({"timestamp": copie["timestamp"]}
                                                                   if copie and copie["timestamp"] else {}))
                notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, sid)
                notes = copie["notes"] if copie else {}
                commentaires = copie["commentaires"] if copie else {}
                for grade in notebook.grades:
                    auto, a_revoir = notes.get(grade.name, (None, False))
                    grade.auto_score = auto
                    grade.needs_manual_grade = bool(a_revoir) and grade.manual_score is None
                for commentaire in notebook.comments:
                    commentaire.auto_comment = commentaires.get(commentaire.name)
            gb.db.commit()

    def scores_manuels(self, ids: dict) -> dict:
        """``{student_id: {grade_id: manual_score}}`` des notes saisies dans formgrader."""
        if not self.base.exists():
            return {}
        from nbgrader.api import MissingEntry

        etudiant_de = {sid: etudiant for etudiant, sid in ids.items()}
        manuels = {}
        with self.gradebook() as gb:
            for sid, etudiant in etudiant_de.items():
                try:
                    notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, sid)
                except MissingEntry:
                    continue
                siens = {g.name: float(g.manual_score) for g in notebook.grades
                         if g.manual_score is not None and g.name in cellules_notees()}
                if siens:
                    manuels[etudiant] = siens
        return manuels
