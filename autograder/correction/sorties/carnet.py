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
import json
import re
import shutil
import unicodedata
import warnings
from datetime import datetime
from functools import cache
from pathlib import Path

from autograder.bareme import cellules_notees, exercice_de
from autograder.chemins import ASSIGNMENT
from autograder.correction.sorties.archives import ecrire_atomique

NOM_CORRESPONDANCE = "cours_correspondance.csv"
#: Ce que la correction a écrit dans le carnet à partir d'ajustements.csv (dans ``OUT/cours/``).
NOM_REPORTS = "reports_ajustements.json"
_ID_VALIDE = re.compile(r"^[A-Za-z0-9_-]+$")
ETAPES = ("submitted", "autograded", "feedback")


def id_valide(identifiant: str) -> bool:
    """Identifiant utilisable tel quel par nbgrader (dossiers, motifs, URL de formgrader)."""
    return bool(_ID_VALIDE.match(identifiant))


def _slug(etudiant):
    ascii_ = unicodedata.normalize("NFKD", etudiant).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_") or "etudiant"


def prenom_nom(nom_complet: str) -> tuple[str, str]:
    """``("Camille", "Durand")`` pour « Camille Durand » (premier mot, puis le reste) ; un seul mot :
    ``("", mot)``. Les noms Moodle « Prénom Nom » sont affichés « Nom, Prénom » par formgrader."""
    morceaux = nom_complet.strip().split(None, 1)
    if len(morceaux) < 2:
        return "", nom_complet.strip()
    return morceaux[0], morceaux[1]


def repartir(points: float, cellules: list[tuple[str, float]]) -> dict[str, float]:
    """Points d'un exercice répartis sur ses cellules ``[(grade_id, maximum)]``, dans l'ordre :
    chacune reçoit tout ce qu'elle peut, la somme vaut ``points`` (au plus la somme des maxima)."""
    reste, repartition = float(points), {}
    for nom, maximum in cellules:
        repartition[nom] = round(min(maximum, max(reste, 0.0)), 6)
        reste -= repartition[nom]
    return repartition


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

    def synchroniser(self, etats, ids: dict, participants: dict, noms: dict | None = None) -> None:
        """Copie remises, copies corrigées, retours et notes automatiques de chaque étudiant.

        ``ids`` : student_id -> id nbgrader ; ``participants`` : student_id -> identifiant
        de participant Moodle (rangé dans ``lms_user_id``) ; ``noms`` : student_id -> nom complet
        (Moodle ; sinon l'identifiant), rangé en prénom et nom. Les ``manual_score`` restent.
        """
        from sqlalchemy.exc import SAWarning

        noms = noms or {}

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
                prenom, nom = prenom_nom(noms.get(etudiant) or etudiant)
                gb.update_or_create_student(sid, first_name=prenom, last_name=nom,
                                            lms_user_id=participants.get(etudiant))
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
        """``{student_id: {grade_id: manual_score}}`` des notes saisies dans formgrader (celles que
        ``reporter`` a écrites à partir d'ajustements.csv n'en sont pas)."""
        if not self.base.exists():
            return {}
        from nbgrader.api import MissingEntry

        reports = self._reports()
        etudiant_de = {sid: etudiant for etudiant, sid in ids.items()}
        manuels = {}
        with self.gradebook() as gb:
            for sid, etudiant in etudiant_de.items():
                try:
                    notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, sid)
                except MissingEntry:
                    continue
                ecrits = reports.get(sid, {}).get("notes", {})
                siens = {g.name: float(g.manual_score) for g in notebook.grades
                         if g.manual_score is not None and g.name in cellules_notees()
                         and ecrits.get(g.name) != float(g.manual_score)}
                if siens:
                    manuels[etudiant] = siens
        return manuels

    # -- ajustements.csv reportés dans le carnet -----------------------------------------------
    def _reports(self) -> dict:
        try:
            return json.loads((self.racine / NOM_REPORTS).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return {}

    def reporter(self, ids: dict, ajustements, commentaires=()) -> list[str]:
        """Reporte ``ajustements`` (``Ajustement`` : exercice, points, motif) et ``commentaires``
        (``Commentaire`` : lignes sans points) d'ajustements.csv dans le carnet.

        Renvoie les remarques à dire (en français) : notes saisies dans formgrader remplacées
        par un ajustement, commentaires de formgrader laissés tels quels.
        """
        from nbgrader.api import MissingEntry

        cellules = list(cellules_notees().items())
        anciens, nouveaux, remarques = self._reports(), {}, []
        voulu = {}  # sid -> {"notes": {grade_id: points}, "commentaires": {cellule: [textes]}}
        for ajustement in ajustements:
            sid = ids.get(ajustement.student_id)
            if sid is None:
                continue
            siens = voulu.setdefault(sid, {"notes": {}, "commentaires": {}})
            de_l_exercice = [(g, m) for g, m in cellules if exercice_de(g) == ajustement.exercice]
            siens["notes"].update(repartir(ajustement.points, de_l_exercice))
            if ajustement.motif:
                siens["commentaires"].setdefault(ajustement.exercice, []).append(
                    f"Note de l'exercice ramenée à {f'{ajustement.points:g}'.replace('.', ',')} point(s)\u00a0: "
                    f"{ajustement.motif}")
        for commentaire in commentaires:
            sid = ids.get(commentaire.student_id)
            if sid is not None:
                siens = voulu.setdefault(sid, {"notes": {}, "commentaires": {}})
                siens["commentaires"].setdefault(commentaire.exercice, []).append(commentaire.texte)
        with self.gradebook() as gb:
            for sid in sorted(set(voulu) | set(anciens)):
                try:
                    notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, sid)
                except MissingEntry:
                    continue
                siens, ecrits = voulu.get(sid, {"notes": {}, "commentaires": {}}), anciens.get(sid, {})
                notes_ecrites, commentaires_ecrits = {}, {}
                for grade in notebook.grades:
                    precedent = ecrits.get("notes", {}).get(grade.name)
                    a_nous = grade.manual_score is None or (precedent is not None
                                                           and float(grade.manual_score) == precedent)
                    if grade.name in siens["notes"]:
                        if not a_nous:
                            remarques.append(f"{sid}, {grade.name}\u00a0: la note saisie dans formgrader "
                                             f"({float(grade.manual_score):g}) est remplacée par celle "
                                             "d'ajustements.csv")
                        grade.manual_score = siens["notes"][grade.name]
                        grade.needs_manual_grade = False
                        notes_ecrites[grade.name] = siens["notes"][grade.name]
                    elif precedent is not None and a_nous:  # ligne retirée d'ajustements.csv
                        grade.manual_score = None
                comments = {c.name: c for c in notebook.comments}
                for exercice, textes in siens["commentaires"].items():
                    cible = next((n for n in comments if exercice and n.startswith(f"{exercice}_")),
                                 next(iter(comments), None))
                    if cible is None:
                        continue
                    prefixe = "" if cible.startswith(f"{exercice}_") or not exercice else f"{exercice}\u00a0: "
                    commentaires_ecrits.setdefault(cible, []).extend(prefixe + t for t in textes)
                for nom, comment in comments.items():
                    precedent = ecrits.get("commentaires", {}).get(nom)
                    a_nous = comment.manual_comment in (None, "") or comment.manual_comment == precedent
                    texte = "\n".join(commentaires_ecrits.get(nom, [])) or None
                    if texte and not a_nous:
                        remarques.append(f"{sid}, {nom}\u00a0: commentaire de formgrader gardé, celui "
                                         "d'ajustements.csv n'est que dans le retour")
                        commentaires_ecrits.pop(nom, None)
                    elif a_nous and (texte or precedent is not None):
                        comment.manual_comment = texte
                if notes_ecrites or commentaires_ecrits:
                    nouveaux[sid] = {"notes": notes_ecrites,
                                     "commentaires": {n: "\n".join(t) for n, t in commentaires_ecrits.items()}}
            gb.db.commit()
        ecrire_atomique(self.racine / NOM_REPORTS, json.dumps(nouveaux, ensure_ascii=False, indent=1))
        return remarques
