"""Paper assembly: fair (same type and chapter counts for everyone), no repeats, reproducible, checked early."""
import pytest

from examapp.exams.assembly import (
    PoolQuestion,
    Section,
    apportion,
    check_blueprint,
    draw_paper,
    paper_shape,
    strata_quotas,
)


def make_pool():
    """Chapter 1: 6 single, chapter 2: 3 single, chapter 3: 1 single; 4 truefalse in chapter 1."""
    pool, qid = [], 0
    for chapter, n in ((1, 6), (2, 3), (3, 1)):
        for i in range(n):
            qid += 1
            pool.append(PoolQuestion(qid, 1000 + qid, "single", chapter, chapter * 10 + i, 1 + i % 3, ("A", "B", "C", "D")))
    for i in range(4):
        qid += 1
        pool.append(PoolQuestion(qid, 1000 + qid, "truefalse", 1, 1, 1 + i % 2))
    return pool


def test_apportion_by_largest_remainder():
    # 5 over 6:3:1 -> exact 3.0, 1.5, 0.5 -> 3, 1 (+1 for the first of equal remainders), 0... = 3, 2, 0
    assert apportion(5, {1: 6, 2: 3, 3: 1}, [1, 2, 3]) == {1: 3, 2: 2, 3: 0}
    assert apportion(4, {1: 6, 2: 3, 3: 1}, [1, 2, 3]) == {1: 2, 2: 1, 3: 1}  # 2.4, 1.2, 0.4
    assert sum(apportion(7, {1: 1, 2: 1, 3: 1}, [1, 2, 3]).values()) == 7


def test_every_paper_has_the_same_shape():
    pool = make_pool()
    sections = [Section("single", 5, 2.0), Section("truefalse", 2, 1.0)]
    shapes = {tuple(sorted(paper_shape(draw_paper(sections, pool, seed), pool).items())) for seed in range(50)}
    assert shapes == {((("single", 1), 3), (("single", 2), 2), (("truefalse", 1), 2))}


def test_no_question_twice_and_all_drawn_from_the_right_type():
    pool = make_pool()
    for seed in range(30):
        paper = draw_paper([Section("single", 8, 1.0), Section("truefalse", 4, 1.0)], pool, seed)
        ids = [e.question_id for e in paper]
        assert len(ids) == len(set(ids)) == 12
        assert [e.type for e in paper] == ["single"] * 8 + ["truefalse"] * 4


def test_same_seed_same_paper_and_different_seeds_differ():
    pool = make_pool()
    sections = [Section("single", 4, 1.0)]
    assert draw_paper(sections, pool, 7) == draw_paper(sections, pool, 7)
    assert len({tuple(e.question_id for e in draw_paper(sections, pool, s)) for s in range(20)}) > 1


def test_options_are_shuffled_as_a_permutation_and_kept_when_not():
    pool = make_pool()
    for entry in draw_paper([Section("single", 5, 1.0)], pool, 3):
        assert sorted(entry.option_order) == ["A", "B", "C", "D"]
    plain = draw_paper([Section("single", 5, 1.0)], pool, 3, shuffle_options=False)
    assert all(e.option_order == ("A", "B", "C", "D") for e in plain)


def test_fixed_difficulty_mix_is_honoured():
    pool = make_pool()
    section = Section("single", 4, 1.0, difficulty=((1, 2), (2, 2)))
    by_id = {q.question_id: q for q in pool}
    for seed in range(20):
        levels = sorted(by_id[e.question_id].difficulty for e in draw_paper([section], pool, seed))
        assert levels == [1, 1, 2, 2]


def test_a_blueprint_the_bank_cannot_fill_is_reported_with_what_is_missing():
    pool = make_pool()
    problems = check_blueprint([Section("single", 11, 1.0), Section("fill", 2, 1.0)], pool)
    assert any("单选题 11 题" in p and "只有 10 道" in p and "少 1 道" in p for p in problems)
    assert any("填空题 2 题" in p and "只有 0 道" in p for p in problems)
    problems = check_blueprint([Section("single", 4, 1.0, difficulty=((3, 4),))], pool)
    assert any("难度“难”需要 4 道，题库中只有 3 道" in p for p in problems)


def test_overlapping_sections_of_one_type_are_refused():
    pool = make_pool()
    problems = check_blueprint([Section("single", 2, 1.0, chapters=(1,)), Section("single", 2, 1.0)], pool)
    assert any("重叠" in p for p in problems)
    assert check_blueprint([Section("single", 2, 1.0, chapters=(1,)), Section("single", 2, 1.0, chapters=(2,))], pool) == []


def test_chapter_and_article_limits():
    pool = make_pool()
    quotas = strata_quotas(Section("single", 3, 1.0, chapters=(2,)), pool)
    assert quotas == {(None, 2): 3}
    paper = draw_paper([Section("single", 2, 1.0, articles=(10, 11))], pool, 1)
    assert {e.question_id for e in paper} == {1, 2}
    with pytest.raises(ValueError):
        draw_paper([Section("single", 3, 1.0, articles=(10, 11))], pool, 1)
