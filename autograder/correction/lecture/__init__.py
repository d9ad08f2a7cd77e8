"""Première étape : trouver les remises d'une classe, les lire et les remettre sur le squelette du
notebook publié (``remises``, ``reconstruction``) ; relever sans l'exécuter le code qui touche à
l'interpréteur (``signalements``)."""
