"""Après la correction automatique : carnet de la classe, ajustements, retours Moodle.

Appelée par ``make grade`` (et ``make merge``) une fois les états de toutes les remises
connus, avant l'écriture de ``notes.csv`` et ``moodle.csv`` :

1. ``OUT/ajustements.csv`` est créé (en-tête seul) s'il n'existe pas ;
2. ``OUT/cours/`` devient le dossier de cours nbgrader de la classe (``carnet.py``) et on y
   lit les notes saisies à la main dans formgrader ;
3. les lignes de notes sont calculées (notes formgrader comprises), puis les ajustements
   valides appliqués ; les lignes invalides sont signalées et ignorées. Ajustements et
   commentaires sont aussi reportés dans le carnet (``CarnetDeClasse.reporter``) : formgrader
   et ``nbgrader export`` donnent les notes de ``notes.csv`` ;
4. chaque retour HTML reçoit (ou perd) l'encadré qui explique les modifications et
   donne les commentaires de l'enseignant (lignes sans points d'ajustements.csv) ;
5. ``OUT/retours_moodle.zip`` est écrit quand les remises viennent de Moodle.

Une étape qui échoue (carnet illisible…) est signalée et n'empêche pas les autres : les
notes automatiques et les ajustements de ``ajustements.csv`` s'appliquent toujours.
"""
from dataclasses import dataclass, field
from pathlib import Path

from autograder.bareme import bareme, exercice_de, points_par_exercice
from autograder.correction.sorties import ajustements as aj
from autograder.correction.sorties.carnet import (
    NOM_CORRESPONDANCE,
    CarnetDeClasse,
    correspondance,
)
from autograder.correction.sorties.retour import nommer_retour
from autograder.correction.sorties.retours_moodle import (
    ResultatZip,
    chemin_retour,
    ecrire_zip,
    participant_de_etat,
)


@dataclass
class Finalisation:
    """Ce que la finalisation a produit : lignes de notes.csv et tout ce qui a été dit."""
    lignes: list
    modifications: list = field(default_factory=list)
    ignorees: list = field(default_factory=list)
    zip: ResultatZip | None = None
    incidents: list = field(default_factory=list)


def _modifications_formgrader(etudiant, resultat, manuels):
    """Modifications par exercice dues aux notes saisies dans formgrader."""
    auto = points_par_exercice(resultat.get("scores", {}))
    avec = points_par_exercice({**resultat.get("scores", {}), **manuels})
    maxima = bareme()
    exercices = sorted({exercice_de(g) for g in manuels}, key=list(maxima).index)
    return [aj.Modification(etudiant, ex, auto[ex], avec[ex], maxima[ex], "note saisie dans formgrader")
            for ex in exercices if auto[ex] != avec[ex]]


def _carnet(sortie, etats, dire, incidents):
    """Synchronise le carnet de la classe ; renvoie ``(carnet, ids, notes manuelles)``
    (``(None, {}, {})`` si échec)."""
    etudiants = [e["etudiant"] for e in etats]
    try:
        ids = correspondance(sortie / NOM_CORRESPONDANCE, etudiants)
        moodle = {e["etudiant"]: p for e in etats if (p := participant_de_etat(e)) is not None}
        participants = {etudiant: p.participant for etudiant, p in moodle.items()}
        noms = {etudiant: p.nom_complet for etudiant, p in moodle.items()}
        carnet = CarnetDeClasse(sortie / "cours", sortie / "archives")
        carnet.preparer(dire=dire)
        carnet.synchroniser(etats, ids, participants, noms)  # ne touche pas aux manual_score
        return carnet, ids, carnet.scores_manuels(ids)
    except Exception as erreur:  # noqa: BLE001 — le carnet est un plus : les notes partent quand même
        incidents.append(f"carnet de la classe (OUT/cours/gradebook.db) non mis à jour : "
                         f"{type(erreur).__name__}: {erreur}")
        return None, {}, {}


def _reporter(carnet, ids, lecture, dire, incidents):
    """Ajustements et commentaires d'ajustements.csv reportés dans le carnet (une seule vérité)."""
    if carnet is None:
        return
    try:
        for remarque in carnet.reporter(ids, lecture.ajustements, lecture.commentaires):
            dire(f"  Carnet de la classe : {remarque}")
    except Exception as erreur:  # noqa: BLE001 — notes.csv reste juste, le carnet est signalé
        incidents.append(f"ajustements non reportés dans le carnet de la classe (OUT/cours/gradebook.db) : "
                         f"{type(erreur).__name__}: {erreur}")


def finaliser(*, sortie: Path, etats: list, ligne_de_note, dire=print, carnet: bool = True) -> Finalisation:
    """Lignes finales de notes.csv pour ``etats`` (dicts de ``OUT/etat/*.json``).

    ``ligne_de_note(etudiant, resultat, remarques)`` : la fonction de la correction qui fait
    une ligne à partir d'un résultat. ``carnet=False`` : sans dossier de cours de la classe.
    """
    sortie = Path(sortie)
    incidents = []
    fichier = aj.creer_si_absent(sortie)
    carnet_, ids, manuels = _carnet(sortie, etats, dire, incidents) if carnet else (None, {}, {})
    lignes, formgrader = [], []
    for etat in etats:
        resultat, siens = etat["resultat"], manuels.get(etat["etudiant"], {})
        if siens:
            formgrader += _modifications_formgrader(etat["etudiant"], resultat, siens)
            resultat = {**resultat, "scores": {**resultat.get("scores", {}), **siens}}
        lignes.append(ligne_de_note(etat["etudiant"], resultat, etat.get("remarques", [])))
    lecture = aj.lire(fichier, etudiants=[e["etudiant"] for e in etats], bareme=bareme())
    for message in lecture.messages():
        dire(f"  {message}")
    lignes, modifications = aj.appliquer(lignes, lecture.ajustements, bareme=bareme(),
                                         autres_modifications=formgrader)
    _reporter(carnet_, ids, lecture, dire, incidents)
    if modifications:
        dire(f"Ajustements appliqués : {len(modifications)} exercice(s), "
             f"{len({m.student_id for m in modifications})} étudiant(s).")
    if lecture.commentaires:
        dire(f"Commentaires de l'enseignant : {len(lecture.commentaires)}, en tête des retours.")
    notes = {ligne["student_id"]: ligne["note_sur_20"] for ligne in lignes}
    for etat in etats:
        siennes = [m for m in modifications if m.student_id == etat["etudiant"]]
        commentaires = [c for c in lecture.commentaires if c.student_id == etat["etudiant"]]
        aj.marquer_retour(chemin_retour(sortie, etat), siennes, notes[etat["etudiant"]], commentaires)
        moodle = participant_de_etat(etat)
        nommer_retour(chemin_retour(sortie, etat), moodle.nom_complet if moodle else etat["etudiant"],
                      notes[etat["etudiant"]])
    zip_ = ecrire_zip(sortie, etats)
    dire(zip_.message())
    for incident in incidents:
        dire(f"  Attention : {incident}")
    return Finalisation(lignes, modifications, lecture.ignorees, zip_, incidents)
