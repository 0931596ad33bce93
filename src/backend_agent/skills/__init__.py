"""Agent Skills: the expertise each phase's prompt carries, from several sources."""

from .loader import Finding, Skill, SkillSet, load_skills, validate_folder

__all__ = ["Finding", "Skill", "SkillSet", "load_skills", "validate_folder"]
