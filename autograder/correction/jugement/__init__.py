"""Troisième étape : le verdict, dans un processus neuf qui n'exécute rien de l'étudiant
(``juge``), à partir des relevés et des valeurs de référence calculées par le code du maître
(``references``)."""
