"""Rapports du banc d'essai : écrits depuis un dossier de JSON d'exécution, et publiés dans
docs/ (sans TensorFlow : testé en millisecondes sur des exécutions fabriquées).

Un rapport se régénère toujours à partir de tous les JSON d'un dossier. Publier, c'est copier
les exécutions d'une campagne (et leurs échantillons) dans docs/NOM_runs/, À CÔTÉ de celles
déjà publiées, puis régénérer docs/NOM.md et .json à partir de ce dossier. Un clone neuf n'a
que docs/ (build/ n'est pas versionné) : une exécution lancée sur ce clone s'ajoute au rapport
publié au lieu de le remplacer par un rapport qui n'aurait qu'elle.
"""
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import protocole as P
import rapport as RAP
import variantes as V

from autograder.typographie import corriger_markdown


def journal(*a):
    print(time.strftime("[%H:%M:%S]"), *a, flush=True)


@dataclass(frozen=True)
class Rapport:
    lecture: P.Lecture
    texte: str  # Markdown, typographie française comme le reste du dépôt
    donnees: dict  # ce que RAP.construire renvoie, écrit tel quel dans le .json


def rapport_du_dossier(dossier: Path, *, budget: dict | None, nom: str, chemins: list[str],
                       defauts: dict, graines: str) -> Rapport:
    """Rapport de tous les JSON de ``dossier`` pour ``budget`` (None : le plus fréquent) et de
    son vitesse.json s'il existe ; ``graines`` : celles à citer si le dossier est vide."""
    lecture = P.lire_executions(dossier, budget)
    vitesse = Path(dossier) / "vitesse.json"
    vitesse = json.loads(vitesse.read_text(encoding="utf-8")) if vitesse.exists() else None
    # la commande qui refait exactement ces exécutions (variantes et graines présentes)
    noms = [n for n in V.VARIANTES if any(e["variante"] == n for e in lecture.executions)]
    graines = ",".join(map(str, sorted({e["graine"] for e in lecture.executions}))) or graines
    valeurs = lecture.executions[0]["cle"]["budget"] if lecture.executions else defauts
    commande = RAP.commande_make(noms if noms != list(V.VARIANTES) else [], graines, valeurs, defauts,
                                 cible=nom.replace("_", "-"))
    R = RAP.construire(lecture, vitesse, commande=commande, variantes=V.VARIANTES,
                       reference=V.REFERENCE, chemins=chemins, nom=nom)
    return Rapport(lecture, corriger_markdown(RAP.markdown(R)), R)


def ecrire(rapport: Rapport, dossier: Path, nom: str = "benchmark") -> None:
    dossier.mkdir(parents=True, exist_ok=True)
    (dossier / f"{nom}.md").write_text(rapport.texte, encoding="utf-8")
    (dossier / f"{nom}.json").write_text(json.dumps(rapport.donnees, indent=1, ensure_ascii=False),
                                         encoding="utf-8")


def _cle(e):
    return e["variante"], e["graine"]


def publier(campagne: P.Lecture, *, resultats: Path, docs: Path, nom: str, chemins: list[str],
            defauts: dict, graines: str) -> Rapport | None:
    """Ajoute les exécutions de ``campagne`` (lues dans ``resultats``) à celles de
    docs/NOM_runs/ (même budget), puis y régénère docs/NOM.md et .json. Une exécution publiée de
    même variante et même graine est remplacée (le journal le dit, ses anciens échantillons
    sont retirés). Rien n'est écrit si, au total, moins de 2 variantes ont assez de graines
    (3, ou 1 au budget des étudiants : RAP.graines_minimum) ; renvoie alors None."""
    runs = Path(docs) / f"{nom}_runs"
    budget = campagne.executions[0]["cle"]["budget"] if campagne.executions else None
    copier = Path(resultats).resolve() != runs.resolve()  # sinon : régénérer docs/ depuis docs/
    publiees = {_cle(e): e for e in P.lire_executions(runs, budget).executions} if runs.is_dir() else {}
    toutes = {**publiees, **{_cle(e): e for e in campagne.executions}} if copier else publiees
    exigees = RAP.graines_minimum(list(toutes.values()))
    if not RAP.assez_de_graines(list(toutes.values()), graines=exigees):
        journal(f"docs/ non modifié : il faut au moins {exigees} graine(s) pour au moins 2 variantes "
                f"(publiées et nouvelles comptées ensemble)")
        return None
    runs.mkdir(parents=True, exist_ok=True)
    if copier:
        for e in campagne.executions:
            ancienne = publiees.get(_cle(e))
            if ancienne is not None and ancienne != e:
                journal(f"{P.nom_fichier(*_cle(e))} : remplace l'exécution publiée du {ancienne['date']}")
                for fichier in ancienne.get("echantillons", {}).values():
                    (runs / fichier).unlink(missing_ok=True)
            shutil.copy2(Path(resultats) / P.nom_fichier(*_cle(e)), runs)
            for fichier in e.get("echantillons", {}).values():  # uint8, jugeables par un tiers
                shutil.copy2(Path(resultats) / fichier, runs)
        if (Path(resultats) / "vitesse.json").exists():
            shutil.copy2(Path(resultats) / "vitesse.json", runs)
    rapport = rapport_du_dossier(runs, budget=budget, nom=nom, chemins=chemins, defauts=defauts,
                                 graines=graines)
    ecrire(rapport, Path(docs), nom)
    journal(f"publié : {Path(docs) / nom}.md ({len(rapport.lecture.executions)} exécutions de {runs})")
    return rapport
