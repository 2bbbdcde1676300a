"""The founder's questionnaire without any terminal: which question comes next, checking an answer, going
back, skipping, and the resumable state (``questionnaire``); one answer checked on its own (``answers``);
the wizard's own files, progress and answers, checked entry by entry (``files``); and the markers a prompt
layer returns (``answer_marks``). The command line's prompts and the web's questionnaire page both use it.

May import: ``mbt_advisor.common``, ``profile``, ``engine``, ``rulebase`` (never rendering, the web or the
command line).
"""
